#!/bin/sh
# Build vmflex's "postgres" guest image into the node-local image store:
#   IMAGES_DIR/postgres/vmlinuz        Debian cloud kernel (the test image's)
#   IMAGES_DIR/postgres/initrd.img     busybox initramfs: loads virtio modules, mounts /dev/vda
#                                      read-only and switch_roots into it
#   IMAGES_DIR/postgres/rootfs.img     ext4 (made with mkfs.ext4 -d: no loop mount) holding a
#                                      Debian bookworm minbase root with PostgreSQL 15
#   IMAGES_DIR/postgres/manifest.json  {"name","kernel","initrd","disk","cmdline","builtAt"}
# Usage: build-postgres-image.sh [IMAGES_DIR]   (default <repo>/build/images)
# Idempotent: rebuilds only when an input changed (hash in IMAGES_DIR/postgres/.stamp). The
# debootstrap result is cached in ${VMFLEX_CACHE_DIR:-~/.cache/vmflex}/postgres (keyed by suite
# and package list), so only the first build downloads Debian packages. Needs root (debootstrap,
# chroot) but never mounts anything.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/postgres-root.sh"
REPO=$(cd "$HERE/.." && pwd)
IMAGES_DIR=${1:-$REPO/build/images}
KERNEL_DIR=${KERNEL_DIR:-$REPO/build/kernel}
CACHE=${VMFLEX_CACHE_DIR:-$HOME/.cache/vmflex}/postgres
NAME=postgres
SUITE=bookworm
# The mirror this machine's apt uses for the suite (VMFLEX_DEBIAN_MIRROR overrides it).
MIRROR=$("$HERE/debian-mirror.sh" "$SUITE")
PACKAGES=postgresql-15
# Read-only root: the guest never writes the shared image file; PGDATA lives on a tmpfs.
# loglevel=4: the kernel's errors (an OOM kill is one) reach the console, where vmmd reports them.
CMDLINE="console=ttyS0 quiet loglevel=4 memhp_default_state=online_movable panic=1 root=/dev/vda ro"
# The Debian cloud kernel has ext4, jbd2, crc16 and crc32c built in; virtio_blk is a module.
# button + evdev: the ACPI power button as an input event (rootfs/guest-power.sh).
MODULES="virtio_pci virtio_mem virtio_console virtio_blk virtio_net virtio_balloon virtio_rng button evdev"

log() { echo "build-postgres-image: $*" >&2; }

[ "$(id -u)" = 0 ] || { log "needs root (debootstrap, chroot, device nodes)"; exit 1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
missing=
for p in debootstrap busybox-static cpio gzip e2fsprogs gcc libc6-dev; do
    installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    log "installing$missing"
    apt-get install -y $missing >&2 || { apt-get update -qq && apt-get install -y $missing >&2; }
fi
BUSYBOX=/bin/busybox

"$REPO/kernel/fetch-debian-kernel.sh" "$KERNEL_DIR"
KREL=$(cat "$KERNEL_DIR/version")
MODDIR=$KERNEL_DIR/modules/$KREL

# 1. Debian root, cached: debootstrap takes about a minute and downloads ~60 MB.
BASE_KEY=$(echo "$SUITE $MIRROR $PACKAGES v1" | sha256sum | cut -c1-16)
BASE=$CACHE/debootstrap-$BASE_KEY
if [ ! -f "$BASE/.complete" ]; then
    log "debootstrap $SUITE ($PACKAGES) into $BASE"
    rm -rf "$BASE"
    mkdir -p "$CACHE"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE" "$MIRROR" >&2
    touch "$BASE/.complete"
fi

# The guest monitor comes from the test image's monitor disk (built by build-test-image.sh, which
# builds it first when needed): same jars and runtime, read out with debugfs (no mount).
MONITOR_IMG=$IMAGES_DIR/test/monitor.img
[ -f "$MONITOR_IMG" ] || "$HERE/build-test-image.sh" "$IMAGES_DIR" >&2
STAMP=$( { cat "$0" "$HERE/postgres-root.sh" "$HERE"/postgres/* "$HERE/guest-report.sh" "$HERE/guest-disks.sh" "$HERE/guest-settings.sh" "$HERE/guest-power.sh" "$HERE/guest-ssh.sh" "$HERE/modules-load-order.awk"; echo "$CMDLINE $MODULES $BASE_KEY"; cat "$KERNEL_DIR/package"; \
           cat "$IMAGES_DIR/test/.stamp"; \
           sha256sum "$BUSYBOX" "$KERNEL_DIR/vmlinuz"; } | sha256sum | cut -d' ' -f1)
OUT=$IMAGES_DIR/$NAME
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$STAMP" ] && [ -f "$OUT/vmlinuz" ] \
    && [ -f "$OUT/initrd.img" ] && [ -f "$OUT/rootfs.img" ] && [ -f "$OUT/manifest.json" ]; then
    log "up to date: $OUT"
    exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmflex-postgres-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# 2. The root filesystem: a trimmed copy of the cached Debian root.
ROOT=$WORK/rootfs
postgres_root "$BASE" "$ROOT"
install -d "$ROOT/usr/local/lib/vmflex/bin"
install -d -o "$(chroot "$ROOT" id -u postgres)" -g "$(chroot "$ROOT" id -g postgres)" "$ROOT/var/lib/vmflex"
cp "$BUSYBOX" "$ROOT/usr/local/lib/vmflex/busybox"
for applet in $("$BUSYBOX" --list); do
    ln -s ../busybox "$ROOT/usr/local/lib/vmflex/bin/$applet"
done
install -m 0755 "$HERE/postgres/init.sh" "$ROOT/usr/local/lib/vmflex/init"
install -m 0644 "$HERE/guest-report.sh" "$ROOT/usr/local/lib/vmflex/guest-report.sh"
install -m 0644 "$HERE/guest-disks.sh" "$ROOT/usr/local/lib/vmflex/guest-disks.sh"
install -m 0644 "$HERE/guest-settings.sh" "$HERE/guest-power.sh" "$HERE/guest-ssh.sh" "$ROOT/usr/local/lib/vmflex/"
# spec.enableSSH: sshd (bundled on the monitor disk, see build-test-image.sh) needs its privilege
# separation user; the root is read-only in the guest, so it is made here.
chroot "$ROOT" id sshd >/dev/null 2>&1 \
    || chroot "$ROOT" useradd --system --no-create-home --home-dir /run/sshd --shell /usr/sbin/nologin sshd
mkdir -p "$ROOT/opt/vmflex-monitor"
debugfs -R "rdump / $ROOT/opt/vmflex-monitor" "$MONITOR_IMG" >/dev/null 2>&1
[ -x "$ROOT/opt/vmflex-monitor/start" ] || { log "cannot read the guest monitor out of $MONITOR_IMG"; exit 1; }
rm -rf "$ROOT/opt/vmflex-monitor/lost+found"
gcc -static -O2 -Wall -o "$ROOT/usr/local/bin/allocate-loop" "$HERE/postgres/allocate-loop.c"
strip "$ROOT/usr/local/bin/allocate-loop"
# A ready data directory, copied to PGDATA at the first boot on a data disk, or at every boot on a
# tmpfs (initdb itself takes many seconds under TCG).
chroot --userspec=postgres:postgres "$ROOT" /usr/lib/postgresql/15/bin/initdb \
    -D /var/lib/vmflex/pgdata-template -U postgres -E UTF8 --locale=C \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
cat "$HERE/postgres/postgresql.conf" >> "$ROOT/var/lib/vmflex/pgdata-template/postgresql.conf"
# Mount points the init fills with tmpfs (/var/lib/postgresql: unless a data disk is mounted there).
mkdir -p "$ROOT/var/lib/postgresql" "$ROOT/run" "$ROOT/tmp" "$ROOT/dev/shm"
ROOT_KB=$(du -sk "$ROOT" | cut -f1)
# Headroom for ext4 metadata (inodes, bitmaps): 15% plus 16 MiB.
IMG_MB=$(( (ROOT_KB * 115 / 100) / 1024 + 16 ))

# 3. The initramfs: busybox, the virtio modules, an init that mounts the disk and switch_roots.
IRD=$WORK/initrd
mkdir -p "$IRD/bin" "$IRD/dev" "$IRD/proc" "$IRD/sys" "$IRD/newroot" "$IRD/etc" "$IRD/lib/modules/$KREL"
cp "$BUSYBOX" "$IRD/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$IRD/bin/$applet"
done
ln -s bin "$IRD/sbin"
install -m 0755 "$HERE/postgres/initramfs-init.sh" "$IRD/init"
mknod -m 0600 "$IRD/dev/console" c 5 1 2>/dev/null || true
awk -v want="$MODULES" -f "$HERE/modules-load-order.awk" "$MODDIR/modules.dep" > "$IRD/etc/vmflex-modules"
while read -r mod; do
    mkdir -p "$IRD/lib/modules/$KREL/$(dirname "$mod")"
    cp "$MODDIR/$mod" "$IRD/lib/modules/$KREL/$mod"
done < "$IRD/etc/vmflex-modules"

# 4. Assemble beside the old image, then swap it in.
mkdir -p "$IMAGES_DIR"
NEW=$IMAGES_DIR/.$NAME.tmp.$$
rm -rf "$NEW"
mkdir -p "$NEW"
(cd "$IRD" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n > "$NEW/initrd.img"
cp "$KERNEL_DIR/vmlinuz" "$NEW/vmlinuz"
# No journal: the guest mounts it read-only. -m 0: no blocks reserved for root.
mkfs.ext4 -q -F -L vmflex-root -O ^has_journal -m 0 -d "$ROOT" "$NEW/rootfs.img" "${IMG_MB}M"
BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat > "$NEW/manifest.json" <<JSON
{"name":"$NAME","kernel":"vmlinuz","initrd":"initrd.img","disk":"rootfs.img","cmdline":"$CMDLINE","builtAt":"$BUILT_AT"}
JSON
echo "$STAMP" > "$NEW/.stamp"
rm -rf "$OUT"
mv "$NEW" "$OUT"
log "built $OUT (root ${ROOT_KB} KiB in a ${IMG_MB} MiB ext4, initrd $(wc -c < "$OUT/initrd.img") bytes)"
