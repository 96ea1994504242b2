#!/bin/sh
# /init of vmflex's test image (busybox sh, PID 1). Console protocol, one line each:
#   vmflex-guest: port <name>      once per virtio-serial port (sysfs name), before "ready"
#   vmflex-guest: ready            once, after the modules are loaded
#   vmflex-guest: cpus=<n> memtotal_kb=<kB> uptime=<s>   every second
# Every second it also onlines any offline CPU and memory block (memory as online_movable, so
# that virtio-mem can unplug it again). PID 1 must never exit: nothing here uses set -e.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The initramfs may lack /dev/console (it is made only when the builder may mknod).
[ -t 1 ] || exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /tmp /run
mount -t devpts devpts /dev/pts 2>/dev/null

KREL=$(uname -r)
# One module path per line, dependencies first (the builder resolved modules.dep).
while read -r mod; do
    [ -n "$mod" ] || continue
    insmod "/lib/modules/$KREL/$mod" 2>/dev/null || echo "vmflex-guest: insmod failed: $mod"
done < /etc/vmflex-modules

# Without udev nobody makes /dev/virtio-ports/<name>; do it the way udev's rule does.
mkdir -p /dev/virtio-ports
for port in /sys/class/virtio-ports/*; do
    [ -f "$port/name" ] || continue
    name=$(cat "$port/name")
    [ -n "$name" ] || continue
    ln -sf "../${port##*/}" "/dev/virtio-ports/$name"
    echo "vmflex-guest: port $name"
done
echo "vmflex-guest: ready"

count_cpus() {
    n=0
    old_ifs=$IFS
    IFS=,
    for r in $(cat /sys/devices/system/cpu/online); do
        case $r in
            *-*) n=$((n + ${r#*-} - ${r%-*} + 1)) ;;
            *) n=$((n + 1)) ;;
        esac
    done
    IFS=$old_ifs
    echo "$n"
}

while :; do
    for f in /sys/devices/system/cpu/cpu[0-9]*/online; do
        [ -f "$f" ] && [ "$(cat "$f" 2>/dev/null)" = 0 ] && echo 1 2>/dev/null > "$f"
    done
    for f in /sys/devices/system/memory/memory[0-9]*/state; do
        [ -f "$f" ] && [ "$(cat "$f" 2>/dev/null)" = offline ] && echo online_movable 2>/dev/null > "$f"
    done
    mem=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)
    read -r up _ < /proc/uptime
    echo "vmflex-guest: cpus=$(count_cpus) memtotal_kb=$mem uptime=${up%%.*}"
    sleep 1
done
