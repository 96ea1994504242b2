#!/bin/sh
# /init of vmflex's test image (busybox sh, PID 1). Console protocol, one line each:
#   vmflex-guest: port <name>      once per virtio-serial port (sysfs name), before "ready"
#   vmflex-guest: sysctl <name> = <value>   per spec.guest.settings.sysctl line, before "ready"
#   vmflex-guest: ready            once, after the modules are loaded
#   vmflex-guest: power button pressed / shutting down / powering off   when vmmd stops the VM
#   vmflex-guest: cpus=<n> memtotal_kb=<kB> uptime=<s>   at once on a change, else every second
# After "ready" it starts the guest monitor from /dev/vda (read-only ext4) when there is one, then
# mounts the VM's data disks (guest-disks.sh: "vmflex-guest: disk <serial> on <path>" each) and swap,
# and starts sshd with spec.enableSSH (guest-ssh.sh: "vmflex-guest: sshd listening on port 22").
# Five times a second it also onlines any offline CPU and memory block (memory as online_movable, so
# that virtio-mem can unplug it again). PID 1 must never exit: nothing here uses set -e.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The initramfs may lack /dev/console (it is made only when the builder may mknod).
[ -t 1 ] || exec </dev/console >/dev/console 2>&1
# The kernel makes the initramfs root 1777; sshd (spec.enableSSH) trusts no key file under a
# directory others may write, and nothing here needs it to be.
chmod 0755 /
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
# Network: the kernel applies ip= only with a built-in NIC driver; virtio_net is a module here,
# so apply it now. Format: ip=<client>::<gateway>:<netmask>::<device>:off
for arg in $(cat /proc/cmdline); do
    case $arg in ip=*) IPARG=${arg#ip=} ;; esac
done
if [ -n "${IPARG:-}" ]; then
    old_ifs=$IFS
    IFS=:
    set -- $IPARG
    IFS=$old_ifs
    NET_IP=$1; NET_GW=$3; NET_MASK=$4; NET_DEV=${6:-eth0}
    ifconfig lo 127.0.0.1 up
    if ifconfig "$NET_DEV" "$NET_IP" netmask "$NET_MASK" up; then
        route add default gw "$NET_GW" 2>/dev/null
        # Something for the host to reach over the VM's tap.
        mkdir -p /www && echo "vmflex-guest-http" > /www/index.html
        httpd -p 8080 -h /www
        echo "vmflex-guest: net $NET_DEV $NET_IP"
    else
        echo "vmflex-guest: cannot configure $NET_DEV"
    fi
fi
# spec.guest.settings (sysctl) before anything of the workload starts; then the power button,
# which vmmd presses to stop the VM (rootfs/guest-settings.sh, rootfs/guest-power.sh).
. /lib/vmflex/guest-settings.sh
. /lib/vmflex/guest-power.sh
apply_sysctl
test_image_shutdown() {
    echo "vmflex-guest: shutting down"
    power_off
}
watch_power_button test_image_shutdown
echo "vmflex-guest: ready"

# The guest monitor ships on the image's read-only disk (ext4, label vmflex-monitor), which the
# daemon attaches as the first virtio-blk device. Started in the background; it prints its own
# "vmflex-monitor: ..." lines on the console. No disk (or another one): no monitor.
if [ -b /dev/vda ] && mkdir -p /opt/vmflex-monitor \
    && mount -t ext4 -o ro /dev/vda /opt/vmflex-monitor 2>/dev/null; then
    if [ -x /opt/vmflex-monitor/start ]; then
        /opt/vmflex-monitor/start </dev/null &
    else
        umount /opt/vmflex-monitor
    fi
fi

# spec.enableSSH: sshd from the monitor disk (rootfs/guest-ssh.sh), in the background so that it
# delays nothing. The bundle's glibc is the monitor's; its loader is linked here as the monitor's
# launcher does, whichever of the two comes first.
if [ -d /opt/vmflex-monitor/glibc ]; then
    mkdir -p /lib64
    [ -e /lib64/ld-linux-x86-64.so.2 ] || ln -s /opt/vmflex-monitor/glibc/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2 2>/dev/null
fi
SSH_LIBS=/opt/vmflex-monitor/ssh/lib:/opt/vmflex-monitor/ssh/glibc-extra:/opt/vmflex-monitor/glibc
. /lib/vmflex/guest-ssh.sh
start_sshd &

# spec.disks (emptyDisk, tmpfs), mounted before the command runs so that it can use them.
. /lib/vmflex/guest-disks.sh
mount_data_disks

# spec.guest.env and command/args, as the daemon passes them: vmflex.env=<base64 of NAME=VALUE
# lines>, vmflex.cmd=<base64 of argv, one per line>. The command runs in the background with the
# console as its output, like NeonVM runs a VM's command.
for arg in $(cat /proc/cmdline); do
    case $arg in
        vmflex.env=*) echo "${arg#vmflex.env=}" | base64 -d > /run/vmflex.env 2>/dev/null ;;
        vmflex.cmd=*) echo "${arg#vmflex.cmd=}" | base64 -d > /run/vmflex.cmd 2>/dev/null ;;
    esac
done
if [ -s /run/vmflex.cmd ]; then
    (
        if [ -s /run/vmflex.env ]; then
            while IFS= read -r kv; do
                [ -n "$kv" ] && export "$kv"
            done < /run/vmflex.env
        fi
        set --
        while IFS= read -r a; do set -- "$@" "$a"; done < /run/vmflex.cmd
        echo "vmflex-guest: running command $1"
        "$@" </dev/null
        echo "vmflex-guest: command exited $?"
    ) &
fi

. /lib/vmflex/guest-report.sh
report_loop
