#!/usr/bin/env bash
# Checks a built vmflex .deb without installing it (about 20 s): control fields, contents, the
# systemd units (`systemd-analyze verify` against the unpacked tree, man pages included), the
# man pages (groff warnings), check-qemu's verdict on old and new QEMU versions, and the packaged
# runtime running `vmflex --version` and `vmctl --help`. Exit 0 only when every check passed; a
# check that cannot run here (no systemd-analyze) fails, naming what is missing.
# Usage: packaging/deb/check-deb.sh build/deb/vmflex_<version>_amd64.deb
set -euo pipefail
DEB=$(readlink -f "${1:?usage: check-deb.sh DEB}")
WORK=$(mktemp -d /tmp/vmflex-check-deb.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
pass() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@" >"$WORK/out" 2>&1; then pass "$what"; else fail "$what: $(head -c 600 "$WORK/out")"; fi; }

field() { dpkg-deb -f "$DEB" "$1"; }
base=$(basename "$DEB" .deb)
check "Package is vmflex" test "$(field Package)" = vmflex
check "Architecture is amd64" test "$(field Architecture)" = amd64
check "file name is vmflex_<Version>_amd64.deb" test "$base" = "vmflex_$(field Version)_amd64"
depends=$(field Depends)
for dep in 'qemu-system-x86 (>= 1:10.0)' 'qemu-utils (>= 1:10.0)' iproute2 e2fsprogs passwd 'libc6 ('; do
  check "Depends on $dep" grep -qF "$dep" <<< "$depends"
done
check "no desktop libraries in Depends" bash -c "! grep -qE 'libx11|libasound|libxext' <<< '$depends'"
check "Installed-Size is set" test "$(field Installed-Size)" -gt 0
check "/etc/default/vmflex is a conffile" bash -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xOf - ./conffiles | grep -qx /etc/default/vmflex"

dpkg-deb -c "$DEB" | awk '{print $1, $2, $6}' > "$WORK/contents"
for path in ./usr/bin/vmflex ./usr/bin/vmctl ./usr/lib/vmflex/runtime/bin/java ./usr/lib/vmflex/check-qemu \
    ./lib/systemd/system/vmflex.service ./lib/systemd/system/vmmd.service ./usr/lib/sysctl.d/90-vmflex.conf \
    ./usr/share/bash-completion/completions/vmctl ./usr/share/man/man1/vmctl.1.gz ./usr/share/man/man1/vmflex-up.1.gz \
    ./usr/share/man/man1/vmflex-daemon.1.gz ./usr/share/doc/vmflex/copyright ./etc/default/vmflex; do
  check "contains $path" grep -q " $path\$" "$WORK/contents"
done
check "a cli jar under /usr/lib/vmflex/lib" grep -qE ' ./usr/lib/vmflex/lib/cli-[^/]*\.jar$' "$WORK/contents"
check "every file owned by root:root" bash -c "! awk '\$2 != \"root/root\"' '$WORK/contents' | grep -q ."
check "launchers executable" bash -c "grep -E ' ./usr/bin/(vmflex|vmctl)\$' '$WORK/contents' | awk '{print \$1}' | grep -c '^-rwxr-xr-x' | grep -qx 2"
check "nothing shipped under /var (state is made by postinst, removed by purge)" bash -c "! grep -q ' ./var/' '$WORK/contents'"
check "no Java sources or test classes" bash -c "! grep -qE '\\.java\$|test-classes|-tests\\.jar\$' '$WORK/contents'"

ROOT="$WORK/root"
dpkg-deb -x "$DEB" "$ROOT"
for script in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - "./$script" > "$WORK/$script"
  check "$script is valid sh" sh -n "$WORK/$script"
done

# systemd-analyze verify on the unpacked tree: the host's own units give it sysinit.target and
# friends; MANPATH lets it find the Documentation= pages in the package. It reports problems on
# stderr and still exits 0, so any output is a failure.
if command -v systemd-analyze >/dev/null; then
  cp -an /lib/systemd/system/. "$ROOT/lib/systemd/system/" 2>/dev/null || true
  out=$(MANPATH="$ROOT/usr/share/man" systemd-analyze verify --root="$ROOT" vmflex.service vmmd.service 2>&1) \
    && [[ -z "$out" ]] && pass "systemd-analyze verify vmflex.service vmmd.service" \
    || fail "systemd-analyze verify: $out"
  for unit in vmflex vmmd; do
    for line in Type=notify NotifyAccess=main KillMode=process WatchdogSec= ExecStartPre=/usr/lib/vmflex/check-qemu; do
      check "$unit.service has $line" grep -q "^$line" "$ROOT/lib/systemd/system/$unit.service"
    done
  done
else
  fail "systemd-analyze not installed (apt-get install systemd): units not verified"
fi

if command -v groff >/dev/null; then
  for page in "$ROOT"/usr/share/man/man1/*.1.gz; do
    out=$(zcat "$page" | groff -man -Tutf8 -ww -z 2>&1)
    [[ -z "$out" ]] || fail "groff warns on $(basename "$page"): $out"
  done
  pass "man pages render without groff warnings ($(ls "$ROOT"/usr/share/man/man1 | wc -l) pages)"
else
  fail "groff not installed: man pages not rendered"
fi

fake_qemu() { printf '#!/bin/sh\necho "QEMU emulator version %s (Debian)"\n' "$1" > "$WORK/qemu-$1"; chmod +x "$WORK/qemu-$1"; }
fake_qemu 7.2.19; fake_qemu 10.0.2
check "check-qemu refuses QEMU 7.2 naming backports" bash -c "! '$ROOT/usr/lib/vmflex/check-qemu' '$WORK/qemu-7.2.19' 2>'$WORK/q' && grep -q 'too old.*bookworm-backports' '$WORK/q'"
check "check-qemu accepts QEMU 10.0" "$ROOT/usr/lib/vmflex/check-qemu" "$WORK/qemu-10.0.2"

# The launcher hard-codes /usr/lib/vmflex; run its java line against the unpacked tree.
run() { "$ROOT/usr/lib/vmflex/runtime/bin/java" --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
  -XX:TieredStopAtLevel=1 -cp "$ROOT/usr/lib/vmflex/lib/*" io.vmflex.cli.Main "$@"; }
check "packaged runtime: vmflex --version" bash -c "$(declare -f run); ROOT='$ROOT' run --version | grep -q '^vmflex '"
check "packaged runtime: vmctl --help" bash -c "$(declare -f run); ROOT='$ROOT' run ctl --help | grep -q check-node"

if [[ $failures -gt 0 ]]; then
  echo "check-deb: $failures check(s) failed for $DEB"
  exit 1
fi
echo "check-deb: all checks passed for $DEB"
