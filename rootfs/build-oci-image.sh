#!/bin/sh
# Second half of `vmflex image build --from SOURCE NAME` (the first, in Java, unpacked the container
# image into ROOT, checked it, prepared /usr/local/lib/vmflex and /opt/vmflex-monitor as plain
# directories and wrote the workload's entrypoint/cmd/env/workdir/user under
# /usr/local/lib/vmflex/workload). Adds vmflex's guest side (static busybox, rootfs/oci/init.sh as
# init, the guest scripts, run-as, the guest monitor from the test image's monitor.img), makes the
# read-only ext4 root with mkfs.ext4 -d (no loop mount) and writes the image:
#   IMAGES_DIR/NAME/{vmlinuz,initrd.img}   the postgres image's kernel and switch_root initramfs
#   IMAGES_DIR/NAME/rootfs.img             the container's root + vmflex's guest side
#   IMAGES_DIR/NAME/manifest.json          + "source": {"format", "digest"[, "ref"]} of the container image
# Usage: build-oci-image.sh ROOT NAME IMAGES_DIR FORMAT DIGEST [REF]   (REF: the docker:// reference it was pulled by;
#        vmflex checked it against a strict pattern: no quote or backslash can reach the JSON below)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$1 NAME=$2 IMAGES_DIR=$3 FORMAT=$4 DIGEST=$5 REF=${6:-}
CMDLINE="console=ttyS0 quiet loglevel=4 memhp_default_state=online_movable panic=1 root=/dev/vda ro"
log() { echo "build-oci-image: $*" >&2; }

BASE=$IMAGES_DIR/postgres
for f in vmlinuz initrd.img; do
    [ -f "$BASE/$f" ] || { log "needs the postgres image's $f in $BASE (vmflex image build postgres)"; exit 1; }
done
MONITOR_IMG=$IMAGES_DIR/test/monitor.img
BUSYBOX=/bin/busybox
command -v gcc >/dev/null && command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null \
    || { log "needs gcc, e2fsprogs (ci/install-deps.sh)"; exit 1; }
[ -x "$BUSYBOX" ] || { log "needs busybox-static"; exit 1; }

V=$ROOT/usr/local/lib/vmflex
mkdir -p "$V/bin"
cp "$BUSYBOX" "$V/busybox"
for applet in $("$BUSYBOX" --list); do
    ln -sf ../busybox "$V/bin/$applet"
done
install -m 0755 "$HERE/oci/init.sh" "$V/init"
install -m 0644 "$HERE/guest-report.sh" "$HERE/guest-disks.sh" "$HERE/guest-settings.sh" "$HERE/guest-power.sh" "$V/"
gcc -static -O2 -Wall -o "$V/run-as" "$HERE/oci/run-as.c" 2>/dev/null
strip "$V/run-as"
if [ -f "$MONITOR_IMG" ]; then
    debugfs -R "rdump / $ROOT/opt/vmflex-monitor" "$MONITOR_IMG" >/dev/null 2>&1
    rm -rf "$ROOT/opt/vmflex-monitor/lost+found"
    [ -x "$ROOT/opt/vmflex-monitor/start" ] || { log "cannot read the guest monitor out of $MONITOR_IMG"; exit 1; }
else
    log "warning: no $MONITOR_IMG (vmflex image build test): the image has no guest monitor"
fi

# The monitor's JVM wants glibc's loader and libraries at the standard paths; its start script
# links them at run time, which a read-only root does not allow. Link them now where the image has
# none, and only in real directories: a link in the image may point anywhere on this host.
if [ -x "$ROOT/opt/vmflex-monitor/start" ] && [ ! -e "$ROOT/lib64/ld-linux-x86-64.so.2" ]; then
    if [ -L "$ROOT/lib64" ] || [ -L "$ROOT/lib" ]; then
        log "warning: the image's /lib64 or /lib is a link and has no glibc loader: the guest monitor will not start"
    else
        mkdir -p "$ROOT/lib64" "$ROOT/lib"
        ln -s /opt/vmflex-monitor/glibc/ld-linux-x86-64.so.2 "$ROOT/lib64/ld-linux-x86-64.so.2"
        [ -e "$ROOT/lib/x86_64-linux-gnu" ] || [ -L "$ROOT/lib/x86_64-linux-gnu" ] || ln -s /opt/vmflex-monitor/glibc "$ROOT/lib/x86_64-linux-gnu"
    fi
fi

ROOT_KB=$(du -sk "$ROOT" | cut -f1)
IMG_MB=$(( (ROOT_KB * 115 / 100) / 1024 + 16 ))
NEW=$IMAGES_DIR/.$NAME.tmp.$$
rm -rf "$NEW"
mkdir -p "$NEW"
trap 'rm -rf "$NEW"' EXIT
cp "$BASE/vmlinuz" "$BASE/initrd.img" "$NEW/"
mkfs.ext4 -q -F -L vmflex-root -O ^has_journal -m 0 -d "$ROOT" "$NEW/rootfs.img" "${IMG_MB}M" >/dev/null
BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat > "$NEW/manifest.json" <<JSON
{"name":"$NAME","kernel":"vmlinuz","initrd":"initrd.img","disk":"rootfs.img","cmdline":"$CMDLINE","builtAt":"$BUILT_AT","source":{"format":"$FORMAT","digest":"$DIGEST"${REF:+,\"ref\":\"$REF\"}}}
JSON
rm -rf "$IMAGES_DIR/$NAME"
mv "$NEW" "$IMAGES_DIR/$NAME"
trap - EXIT
log "built $IMAGES_DIR/$NAME (root ${ROOT_KB} KiB in a ${IMG_MB} MiB ext4) from $FORMAT $DIGEST"
