#!/bin/sh
# Build vmflex's "test" guest image (Debian cloud kernel + busybox initramfs) into the node-local
# image store layout:
#   IMAGES_DIR/test/vmlinuz
#   IMAGES_DIR/test/initrd.img      gzip'd newc cpio
#   IMAGES_DIR/test/manifest.json   {"name","kernel","initrd","cmdline","builtAt"}
# Usage: build-test-image.sh [IMAGES_DIR]   (default <repo>/build/images)
# Idempotent: rebuilds only when this script, the init, the module list, busybox or the kernel
# changed (hash kept in IMAGES_DIR/test/.stamp). KERNEL_DIR overrides where the kernel is fetched
# to (default <repo>/build/kernel).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
IMAGES_DIR=${1:-$REPO/build/images}
KERNEL_DIR=${KERNEL_DIR:-$REPO/build/kernel}
INIT=$HERE/test-init.sh
NAME=test
# Kernel command line the image needs: serial console, hot-added memory onlined movable by the
# kernel itself (so virtio-mem can unplug it), little console noise, exit QEMU on panic
# (with -no-reboot).
CMDLINE="console=ttyS0 quiet loglevel=3 memhp_default_state=online_movable panic=1"
# Modules the guest loads, in this order after their dependencies.
MODULES="virtio_pci virtio_mem virtio_console virtio_blk virtio_net virtio_balloon virtio_rng"

log() { echo "build-test-image: $*" >&2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
need() {
    missing=
    # The initramfs has no libc: only the static busybox works there.
    installed busybox-static || missing="$missing busybox-static"
    command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
    command -v gzip >/dev/null 2>&1 || missing="$missing gzip"
    if [ -n "$missing" ]; then
        log "installing$missing"
        apt-get install -y $missing >&2 || { apt-get update -qq && apt-get install -y $missing >&2; }
    fi
}
need
BUSYBOX=/bin/busybox

"$REPO/kernel/fetch-debian-kernel.sh" "$KERNEL_DIR"
KREL=$(cat "$KERNEL_DIR/version")
MODDIR=$KERNEL_DIR/modules/$KREL

STAMP=$( { cat "$0" "$INIT"; echo "$CMDLINE $MODULES"; cat "$KERNEL_DIR/package"; \
           sha256sum "$BUSYBOX" "$KERNEL_DIR/vmlinuz"; } | sha256sum | cut -d' ' -f1)
OUT=$IMAGES_DIR/$NAME
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$STAMP" ] \
    && [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.img" ] && [ -f "$OUT/manifest.json" ]; then
    log "up to date: $OUT"
    exit 0
fi

# Resolve dependencies from modules.dep into a load order, dependencies first, each module once.
# modules.dep lines: "kernel/path/m.ko: kernel/path/dep1.ko kernel/path/dep2.ko"
resolve_modules() {
    awk -v want="$MODULES" '
        { sub(/:$/, "", $1); file = $1; deps[file] = ""
          for (i = 2; i <= NF; i++) deps[file] = deps[file] " " $i
          base = file; sub(/.*\//, "", base); sub(/\.ko(\.[a-z]+)?$/, "", base)
          gsub(/-/, "_", base); byname[base] = file }
        function visit(f,   n, i, d) {
            if (f in seen) return
            seen[f] = 1
            n = split(deps[f], d, " ")
            # modules.dep lists deps deepest-last: visit in reverse so leaves load first.
            for (i = n; i >= 1; i--) visit(d[i])
            print f
        }
        END {
            n = split(want, w, " ")
            for (i = 1; i <= n; i++) {
                if (!(w[i] in byname)) { print "missing module " w[i] > "/dev/stderr"; exit 1 }
                visit(byname[w[i]])
            }
        }' "$MODDIR/modules.dep"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmflex-test-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
mkdir -p "$ROOT/bin" "$ROOT/dev" "$ROOT/proc" "$ROOT/sys" "$ROOT/tmp" "$ROOT/run" "$ROOT/etc" \
    "$ROOT/lib/modules/$KREL" "$ROOT/usr"
ln -s bin "$ROOT/sbin"
ln -s ../bin "$ROOT/usr/bin"
ln -s ../bin "$ROOT/usr/sbin"
cp "$BUSYBOX" "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$ROOT/bin/$applet"
done
cp "$INIT" "$ROOT/init"
chmod 0755 "$ROOT/init"
# Without /dev/console in the initramfs the kernel starts init with no stdio; the init also
# reopens it from devtmpfs, so failing here (not root) is harmless.
mknod -m 0600 "$ROOT/dev/console" c 5 1 2>/dev/null || true

resolve_modules > "$ROOT/etc/vmflex-modules"
while read -r mod; do
    mkdir -p "$ROOT/lib/modules/$KREL/$(dirname "$mod")"
    cp "$MODDIR/$mod" "$ROOT/lib/modules/$KREL/$mod"
done < "$ROOT/etc/vmflex-modules"
# A modules.dep restricted to what is shipped, so busybox modprobe works too.
grep -F -f "$ROOT/etc/vmflex-modules" "$MODDIR/modules.dep" \
    | awk -v keep="$(tr '\n' ' ' < "$ROOT/etc/vmflex-modules")" '
        BEGIN { n = split(keep, k, " "); for (i = 1; i <= n; i++) ok[k[i]] = 1 }
        { f = $1; sub(/:$/, "", f); if (f in ok) print }' > "$ROOT/lib/modules/$KREL/modules.dep"
cp "$MODDIR/modules.builtin" "$ROOT/lib/modules/$KREL/" 2>/dev/null || true
log "modules: $(tr '\n' ' ' < "$ROOT/etc/vmflex-modules")"

mkdir -p "$IMAGES_DIR"
NEW=$IMAGES_DIR/.$NAME.tmp.$$
rm -rf "$NEW"
mkdir -p "$NEW"
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
    | gzip -9n > "$NEW/initrd.img"
cp "$KERNEL_DIR/vmlinuz" "$NEW/vmlinuz"
BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat > "$NEW/manifest.json" <<JSON
{"name":"$NAME","kernel":"vmlinuz","initrd":"initrd.img","cmdline":"$CMDLINE","builtAt":"$BUILT_AT"}
JSON
echo "$STAMP" > "$NEW/.stamp"
rm -rf "$OUT"
mv "$NEW" "$OUT"
log "built $OUT (kernel $KREL, initrd $(wc -c < "$OUT/initrd.img") bytes)"
