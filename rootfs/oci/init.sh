#!/usr/local/lib/vmflex/busybox sh
# PID 1 of a VM made from a container image (`vmflex image build --from`), started by the shared
# initramfs after switch_root into the read-only root (/dev/vda). Sets up what a container runtime
# would (proc, sys, dev, tmpfs on /run and /tmp, cgroup v2), the guest side of vmflex (virtio
# ports, network from ip=, sysctl, data disks, power button, the guest monitor when present, the
# CPU/memory report) and then runs the image's workload in the /workload cgroup:
#   entrypoint + cmd from the image (/usr/local/lib/vmflex/workload/), or spec.guest.command/args
#   (vmflex.cmd) in their place; the image's env with spec.guest.env (vmflex.env) over it; the
#   image's working directory and user.
# Uses only vmflex's own static busybox, so an image without a shell works too.
export PATH=/usr/local/lib/vmflex/bin
W=/usr/local/lib/vmflex/workload
[ -r /proc/cmdline ] || mount -t proc proc /proc
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys
[ -c /dev/null ] || mount -t devtmpfs devtmpfs /dev
[ -t 1 ] || exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -t cgroup2 none /sys/fs/cgroup

. /usr/local/lib/vmflex/guest-disks.sh
mount_data_disks
hostname vmflex

mkdir -p /dev/virtio-ports
for port in /sys/class/virtio-ports/*; do
    [ -f "$port/name" ] || continue
    name=$(cat "$port/name")
    [ -n "$name" ] && ln -sf "../${port##*/}" "/dev/virtio-ports/$name"
done

IPARG=
ENVARG=
CMDARG=
for arg in $(cat /proc/cmdline); do
    case $arg in
        ip=*) IPARG=${arg#ip=} ;;
        vmflex.env=*) ENVARG=${arg#vmflex.env=} ;;
        vmflex.cmd=*) CMDARG=${arg#vmflex.cmd=} ;;
    esac
done
ifconfig lo 127.0.0.1 up
if [ -n "$IPARG" ]; then
    old_ifs=$IFS; IFS=:; set -- $IPARG; IFS=$old_ifs
    NET_DEV=${6:-eth0}
    if ifconfig "$NET_DEV" "$1" netmask "$4" up; then
        [ -n "$3" ] && route add default gw "$3" 2>/dev/null
        echo "vmflex-guest: net $NET_DEV $1"
    else
        echo "vmflex-guest: cannot configure $NET_DEV"
    fi
fi

mkdir -p /sys/fs/cgroup/workload
for c in cpu memory; do
    grep -qw "$c" /sys/fs/cgroup/cgroup.controllers 2>/dev/null \
        && echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
done
BB=/usr/local/lib/vmflex/busybox
. /usr/local/lib/vmflex/guest-settings.sh
. /usr/local/lib/vmflex/guest-power.sh
apply_sysctl

# The workload's environment: the image's, then the spec's over it (same name: the spec wins).
mkdir -p -m 0700 /run/vmflex
cp "$W/env" /run/vmflex/env 2>/dev/null || : > /run/vmflex/env
if [ -n "$ENVARG" ]; then
    if echo "$ENVARG" | base64 -d >> /run/vmflex/env 2>/dev/null; then :; else
        echo "vmflex-guest: warning: vmflex.env is not valid base64, ignored"
    fi
fi
# argv: the spec's command and args replace the image's entrypoint and cmd, as a pod's do.
if [ -n "$CMDARG" ] && echo "$CMDARG" | base64 -d > /run/vmflex/argv 2>/dev/null; then
    :
else
    cat "$W/entrypoint" "$W/cmd" > /run/vmflex/argv 2>/dev/null
fi

start_workload() {
    (
        # This subshell's own pid ($$ would be the init's): read by the subshell itself.
        read -r self _ < /proc/self/stat
        echo "$self" > /sys/fs/cgroup/workload/cgroup.procs 2>/dev/null
        # env -i: exactly the image's and the spec's variables, nothing of the init's.
        set --
        while IFS= read -r line || [ -n "$line" ]; do [ -n "$line" ] && set -- "$@" "$line"; done < /run/vmflex/env
        n=$#
        while IFS= read -r a || [ -n "$a" ]; do set -- "$@" "$a"; done < /run/vmflex/argv
        [ $# -gt $n ] || { echo "vmflex-guest: the image has no entrypoint or cmd, and the spec no command"; exit 1; }
        dir=$(cat "$W/workdir" 2>/dev/null)
        cd "${dir:-/}" || { echo "vmflex-guest: working directory ${dir} missing"; exit 1; }
        user=$(cat "$W/user" 2>/dev/null)
        echo "vmflex-guest: workload started (user ${user:-root}, dir ${dir:-/})"
        /usr/local/lib/vmflex/run-as "${user:-0}" env -i "$@"
        echo "vmflex-guest: workload exited $?"
    ) &
}

echo "vmflex-guest: ready"
watch_power_button power_off
start_workload
if [ -x /opt/vmflex-monitor/start ]; then
    /opt/vmflex-monitor/start </dev/null &
fi
. /usr/local/lib/vmflex/guest-report.sh
report_loop
