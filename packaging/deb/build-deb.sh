#!/usr/bin/env bash
# Builds build/deb/vmflex_<version>_amd64.deb: the jars under /usr/lib/vmflex/lib on a Java runtime
# jlinked from JDK 25 (the modules jdeps finds, so no system JDK is needed), vmflex and vmctl on the
# PATH, systemd units for `vmflex up` and for the daemon alone, the sysctl drop-in, man pages and
# bash completion generated from the CLI definitions, maintainer scripts (group vmflex, state under
# /var/lib/vmflex, upgrade restarts the daemon and leaves the VMs alone).
#
# Usage: packaging/deb/build-deb.sh [--no-build] [OUT_DIR]     (default OUT_DIR: <repo>/build/deb)
#   --no-build             use the jars already in cli/target (else `./mvnw package` builds them)
#   VMFLEX_DEB_VERSION     the package version (default 0.1.0~git<commits>.<hash>, rising per commit)
#   MAVEN_ARGS             extra Maven arguments, e.g. -Dmaven.repo.local=/tmp/m2
# Needs dpkg-dev (dpkg-shlibdeps) and binutils; installs them when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/packaging/deb"
BUILD=1
if [[ "${1:-}" == --no-build ]]; then BUILD=0; shift; fi
OUT="${1:-$ROOT/build/deb}"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
log() { echo "build-deb: $*" >&2; }

for tool in dpkg-shlibdeps:dpkg-dev objdump:binutils; do
  command -v "${tool%%:*}" >/dev/null || { log "installing ${tool#*:}"; apt-get install -y -qq --no-install-recommends "${tool#*:}" >/dev/null; }
done

cd "$ROOT"
if [[ -z "${VMFLEX_DEB_VERSION:-}" ]]; then
  VMFLEX_DEB_VERSION="0.1.0~git$(git rev-list --count HEAD).$(git rev-parse --short=8 HEAD)"
fi
VERSION="$VMFLEX_DEB_VERSION"
if ! [[ "$VERSION" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]]; then
  log "not a Debian version: $VERSION"; exit 2
fi
# Reproducible dates (man pages, file times): the last commit's.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"

JAR="$ROOT/cli/target/cli-0.1.0-SNAPSHOT.jar"
if [[ $BUILD == 1 ]]; then
  log "building the jars"
  # shellcheck disable=SC2086
  ./mvnw -q ${MAVEN_ARGS:-} package -DskipTests -pl cli -am
fi
[[ -f "$JAR" && -d "$ROOT/cli/target/lib" ]] || { log "no $JAR (run without --no-build)"; exit 1; }

NAME="vmflex_${VERSION}_amd64"
STAGE="$OUT/stage/$NAME"
rm -rf "$OUT/stage"
mkdir -p "$STAGE/DEBIAN" "$STAGE/usr/lib/vmflex/lib" "$STAGE/usr/bin" "$STAGE/lib/systemd/system" \
  "$STAGE/usr/lib/sysctl.d" "$STAGE/usr/share/man/man1" "$STAGE/usr/share/bash-completion/completions" \
  "$STAGE/usr/share/doc/vmflex" "$STAGE/etc/default"

log "jars"
cp "$JAR" "$STAGE/usr/lib/vmflex/lib/"
cp "$ROOT"/cli/target/lib/*.jar "$STAGE/usr/lib/vmflex/lib/"

# jdeps cannot see modules reached only by reflection or service loading; none of vmflex's is
# (checked: the packaged daemon, vmctl and the metrics endpoint run on this set). java.desktop is
# left out: only Jackson's and SnakeYAML's optional java.beans paths name it (vmflex uses neither;
# Jackson checks for it), and it would bring X11 and ALSA libraries into Depends.
log "jdeps"
MODULES=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 \
  --class-path "$STAGE/usr/lib/vmflex/lib/*" "$STAGE"/usr/lib/vmflex/lib/*.jar 2>/dev/null | tail -n 1)
[[ "$MODULES" == java.base* ]] || { log "jdeps found no modules: $MODULES"; exit 1; }
MODULES=$(tr ',' '\n' <<< "$MODULES" | grep -vx java.desktop | paste -sd,)
log "jlink $MODULES"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
  --compress zip-6 --generate-cds-archive --output "$STAGE/usr/lib/vmflex/runtime"

install -m 0755 "$HERE/vmflex" "$STAGE/usr/bin/vmflex"
install -m 0755 "$HERE/vmctl" "$STAGE/usr/bin/vmctl"
install -m 0755 "$HERE/check-qemu" "$STAGE/usr/lib/vmflex/check-qemu"
install -m 0644 "$HERE/systemd/vmflex.service" "$HERE/systemd/vmmd.service" "$STAGE/lib/systemd/system/"
install -m 0644 "$ROOT/packaging/sysctl.d/90-vmflex.conf" "$STAGE/usr/lib/sysctl.d/"
install -m 0644 "$HERE/default-vmflex" "$STAGE/etc/default/vmflex"
install -m 0644 "$HERE/copyright" "$STAGE/usr/share/doc/vmflex/copyright"

log "man pages and completion"
DOCS="$OUT/stage/docs"
"$STAGE/usr/lib/vmflex/runtime/bin/java" -cp "$STAGE/usr/lib/vmflex/lib/*" io.vmflex.cli.docs.CliDocs \
  "$DOCS/man" "$DOCS/completions" "$VERSION"
install -m 0644 "$DOCS"/man/*.1 "$STAGE/usr/share/man/man1/"
gzip -9n "$STAGE"/usr/share/man/man1/*.1
install -m 0644 "$DOCS"/completions/* "$STAGE/usr/share/bash-completion/completions/"

# The runtime's shared libraries decide the C library dependencies, as dh_shlibdeps would.
log "shlibdeps"
mkdir -p "$OUT/stage/shlibs/debian"
printf 'Source: vmflex\n\nPackage: vmflex\nArchitecture: amd64\n' > "$OUT/stage/shlibs/debian/control"
mapfile -t ELF < <(find "$STAGE/usr/lib/vmflex/runtime" -type f \( -name '*.so' -o -path '*/bin/*' \))
SHLIBS=$(cd "$OUT/stage/shlibs" && dpkg-shlibdeps -O "${ELF[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[[ -n "$SHLIBS" ]] || { log "dpkg-shlibdeps found nothing"; exit 1; }

install -m 0755 "$HERE/debian/postinst" "$HERE/debian/prerm" "$HERE/debian/postrm" "$STAGE/DEBIAN/"
echo "/etc/default/vmflex" > "$STAGE/DEBIAN/conffiles"
SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@INSTALLED_SIZE@/$SIZE/" -e "s/@SHLIBS@/$SHLIBS/" \
  "$HERE/debian/control.in" > "$STAGE/DEBIAN/control"

find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
DEB="$OUT/$NAME.deb"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
rm -rf "$OUT/stage"
log "$DEB ($(du -h "$DEB" | cut -f1), installed $((SIZE / 1024)) MiB)"
echo "$DEB"
