#!/bin/sh
# /init of the postgres image's initramfs (busybox sh, PID 1 until switch_root). Loads the virtio
# modules (virtio_blk is a module in the Debian cloud kernel; ext4 is built in), mounts the root
# disk (root=, default /dev/vda) read-only and hands over to /usr/local/lib/vmflex/init on it.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
[ -t 1 ] || exec </dev/console >/dev/console 2>&1

KREL=$(uname -r)
while read -r mod; do
    [ -n "$mod" ] || continue
    insmod "/lib/modules/$KREL/$mod" 2>/dev/null || echo "vmflex-guest: insmod failed: $mod"
done < /etc/vmflex-modules

ROOTDEV=/dev/vda
ROOTFLAGS=ro
for arg in $(cat /proc/cmdline); do
    case $arg in
        root=*) ROOTDEV=${arg#root=} ;;
        rw) ROOTFLAGS=rw ;;
    esac
done
# The disk appears asynchronously after virtio_blk loads.
i=0
while [ ! -b "$ROOTDEV" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if ! mount -t ext4 -o "$ROOTFLAGS" "$ROOTDEV" /newroot; then
    echo "vmflex-guest: cannot mount root $ROOTDEV"
    # panic=1 + -no-reboot ends the VM rather than leaving a guest without its workload.
    exit 1
fi
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
exec switch_root /newroot /usr/local/lib/vmflex/init
