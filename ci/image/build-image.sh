#!/usr/bin/env bash
# Builds vmflex's container image without a Docker engine: a Debian bookworm root made by debootstrap
# (QEMU 10 from bookworm-backports, iproute2, e2fsprogs), a Java runtime jlinked from this machine's
# JDK 25, and the vmflex jars; committed by Debian's buildah (vfs storage, no daemon) into an OCI
# archive. One image serves the node DaemonSet (`vmflex up`), the scheduler and the webhook: its
# entrypoint is the vmflex command. Run as root. Idempotent (the Debian root is cached by its
# package list in ~/.cache/vmflex).
#   ci/image/build-image.sh [--tag NAME:TAG] [--output FILE.tar]
# Push it with skopeo (README "Container image"):
#   skopeo copy oci-archive:build/image/vmflex.tar docker://REGISTRY/vmflex:TAG
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TAG="localhost/vmflex:0.1.0"
OUTPUT="$ROOT/build/image/vmflex.tar"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tag) TAG="$2"; shift 2 ;;
    --output) OUTPUT="$2"; shift 2 ;;
    *) echo "build-image: unknown argument $1 (--tag NAME:TAG, --output FILE.tar)" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "build-image: run as root (debootstrap and buildah's vfs storage need it)" >&2; exit 1; }
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
"$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25' \
  || { echo "build-image: needs JDK 25 at \$JAVA_HOME ($JAVA_HOME)" >&2; exit 1; }

need=()
for tool in buildah debootstrap; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [[ ${#need[@]} -gt 0 ]]; then
  echo "build-image: installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PACKAGES="ca-certificates,iproute2,e2fsprogs,procps"
BACKPORT_PACKAGES="qemu-system-x86 qemu-utils"
MIRROR=$("$ROOT/rootfs/debian-mirror.sh" bookworm)
CACHE="${VMFLEX_CACHE:-$HOME/.cache/vmflex}"
KEY=$(echo "$PACKAGES $BACKPORT_PACKAGES" | sha256sum | cut -c1-12)
BASE="$CACHE/image-root-$KEY"
if [[ ! -f "$BASE/.done" ]]; then
  echo "build-image: debootstrap bookworm into $BASE (once)" >&2
  rm -rf "$BASE.tmp"
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$BASE.tmp" "$MIRROR" >/dev/null
  echo "deb $MIRROR bookworm-backports main" > "$BASE.tmp/etc/apt/sources.list.d/backports.list"
  chroot "$BASE.tmp" apt-get update -qq
  chroot "$BASE.tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -t bookworm-backports $BACKPORT_PACKAGES >/dev/null
  chroot "$BASE.tmp" apt-get clean
  rm -rf "$BASE.tmp"/var/lib/apt/lists/* "$BASE.tmp"/usr/share/doc/* "$BASE.tmp"/usr/share/man/*
  touch "$BASE.tmp/.done"
  rm -rf "$BASE" && mv "$BASE.tmp" "$BASE"
fi

echo "build-image: building the jars" >&2
(cd "$ROOT" && ./mvnw -q package -DskipTests -pl cli -am)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROOTFS="$WORK/root"
cp -a "$BASE" "$ROOTFS"
rm -f "$ROOTFS/.done"
# The modules vmflex and its libraries use (Netty: jdk.unsupported; the webhook: jdk.httpserver).
"$JAVA_HOME/bin/jlink" --add-modules java.se,jdk.httpserver,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.jfr,jdk.zipfs,jdk.naming.dns \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6 --output "$ROOTFS/opt/vmflex/jre"
mkdir -p "$ROOTFS/opt/vmflex/lib"
cp "$ROOT/cli/target/cli-0.1.0-SNAPSHOT.jar" "$ROOTFS/opt/vmflex/lib/"
cp "$ROOT"/cli/target/lib/*.jar "$ROOTFS/opt/vmflex/lib/"
cat > "$ROOTFS/usr/local/bin/vmflex" <<'LAUNCHER'
#!/bin/sh
# vmflex in the container: the jlinked runtime, the flags FFM and Agrona need.
exec /opt/vmflex/jre/bin/java --enable-native-access=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -XX:+UseSerialGC ${VMFLEX_JAVA_OPTS:-} \
  -cp '/opt/vmflex/lib/*' io.vmflex.cli.Main "$@"
LAUNCHER
chmod 755 "$ROOTFS/usr/local/bin/vmflex"

export STORAGE_DRIVER=vfs
CONTAINER=$(buildah --storage-driver vfs from scratch)
trap 'buildah --storage-driver vfs rm "$CONTAINER" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
buildah --storage-driver vfs copy "$CONTAINER" "$ROOTFS" / >/dev/null
buildah --storage-driver vfs config --entrypoint '["/usr/local/bin/vmflex"]' --cmd '["--help"]' \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --label org.opencontainers.image.title=vmflex --label org.opencontainers.image.version=0.1.0 \
  --os linux --arch amd64 "$CONTAINER"
mkdir -p "$(dirname "$OUTPUT")"
rm -f "$OUTPUT"
buildah --storage-driver vfs commit --format oci --disable-compression=false --rm "$CONTAINER" "oci-archive:$OUTPUT:$TAG" >/dev/null
trap 'rm -rf "$WORK"' EXIT
echo "build-image: $OUTPUT ($TAG, $(du -h "$OUTPUT" | cut -f1))" >&2
echo "$OUTPUT"
