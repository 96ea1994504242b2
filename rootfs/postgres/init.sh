#!/usr/local/lib/vmflex/busybox sh
# PID 1 of the postgres image, on the read-only Debian root after the initramfs' switch_root.
# Console protocol (one line each; same report line as the test image):
#   vmflex-guest: port <name>            once per virtio-serial port
#   vmflex-guest: net <dev> <ip>         once, when eth0 is configured from ip=
#   vmflex-guest: sysctl <name> = <value>   per spec.guest.settings.sysctl line, before "ready"
#   vmflex-guest: ready                  once, before PostgreSQL starts
#   vmflex-guest: power button pressed / shutting down / stopping postgres / postgres stopped /
#   powering off                         when vmmd stops the VM (delete)
#   vmflex-guest: postgres cgroup /workload      once, the postmaster's cgroup, just before:
#   vmflex-guest: postgres ready on <ip>:5432   once PostgreSQL accepts connections and the
#                                        client role and database exist
#   vmflex-guest: sshd listening on port 22   with spec.enableSSH (rootfs/guest-ssh.sh)
#   vmflex-guest: cpus=<n> memtotal_kb=<kB> uptime=<s>   at once on a change, else every second
# PostgreSQL runs in the cgroup v2 group /sys/fs/cgroup/workload with PGDATA on the VM's data disk
# when one is mounted at /var/lib/postgresql (spec.disks; made at the first boot, reused after), else
# on a tmpfs (the root disk is mounted read-only: vmmd may attach it with readonly=on and share one
# file between VMs).
# The client role and database come from vmflex.env=<base64 of NAME=VALUE lines> on the kernel
# command line: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB (or PGUSER, PGPASSWORD, PGDATABASE); each defaults to "vmflex".
# PID 1 must never exit: nothing here uses set -e.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/lib/vmflex/bin
PGBIN=/usr/lib/postgresql/15/bin
# Debian's busybox prefers its own applets to PATH: name util-linux tools by their full path.
PGDATA=/var/lib/postgresql/data

# The initramfs moved /dev, /proc and /sys here; mount them anew if booted without it.
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
# spec.guest.rootDisk.size: vmmd sized the root overlay to it; the file system grows to fill it
# (online: / remounted read-write for the resize, read-only again after). Nothing to do when the
# disk is the image's size.
grow_root_filesystem() {
    rootdev=$(awk '$2 == "/" && $1 ~ "^/dev/" { d = $1 } END { print d }' /proc/mounts)
    [ -b "$rootdev" ] || return 0
    read -r sectors < "/sys/class/block/${rootdev#/dev/}/size" || return 0
    fs=$(/sbin/dumpe2fs -h "$rootdev" 2>/dev/null)
    blocks=$(echo "$fs" | sed -n 's/^Block count: *//p')
    bsize=$(echo "$fs" | sed -n 's/^Block size: *//p')
    [ -n "$blocks" ] && [ -n "$bsize" ] || return 0
    [ $((sectors * 512)) -ge $(((blocks + 1) * bsize)) ] || return 0
    if mount -o remount,rw / && /sbin/resize2fs "$rootdev" >/dev/null 2>&1; then
        echo "vmflex-guest: root file system grown to $((sectors / 2)) KiB"
    else
        echo "vmflex-guest: cannot grow the root file system to $((sectors / 2)) KiB"
    fi
    mount -o remount,ro /
}
grow_root_filesystem

# Whether the VM has a data disk mounted at /var/lib/postgresql (spec.disks, an emptyDisk with that
# mountPath): then PGDATA lives on it and outlives the VM's restarts; else on a tmpfs. The last
# mount at that path is the one in use.
pgdata_on_data_disk() {
    awk '$2 == "/var/lib/postgresql" { d = $1 } END { exit d ~ "^/dev/vd" ? 0 : 1 }' /proc/mounts
}
# spec.disks first: a data disk at /var/lib/postgresql keeps the database (pgdata_on_data_disk).
. /usr/local/lib/vmflex/guest-disks.sh
mount_data_disks
pgdata_on_data_disk || mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /var/lib/postgresql
hostname vmflex-postgres

mkdir -p /dev/virtio-ports
for port in /sys/class/virtio-ports/*; do
    [ -f "$port/name" ] || continue
    name=$(cat "$port/name")
    [ -n "$name" ] || continue
    ln -sf "../${port##*/}" "/dev/virtio-ports/$name"
    echo "vmflex-guest: port $name"
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
NET_IP=127.0.0.1
# ip=<client>::<gateway>:<netmask>::<device>:off (virtio_net is a module, so the kernel's own
# ip= handling ran before the NIC existed).
if [ -n "$IPARG" ]; then
    old_ifs=$IFS
    IFS=:
    set -- $IPARG
    IFS=$old_ifs
    NET_DEV=${6:-eth0}
    if ifconfig "$NET_DEV" "$1" netmask "$4" up; then
        [ -n "$3" ] && route add default gw "$3" 2>/dev/null
        NET_IP=$1
        echo "vmflex-guest: net $NET_DEV $NET_IP"
    else
        echo "vmflex-guest: cannot configure $NET_DEV"
    fi
fi

# The client's credentials. Values may hold any character but a newline.
PG_USER=
PG_PASSWORD=
PG_DB=
mkdir -p -m 0700 /run/vmflex
if [ -n "$ENVARG" ]; then
    if echo "$ENVARG" | base64 -d > /run/vmflex/env 2>/dev/null; then
        while IFS= read -r line || [ -n "$line" ]; do
            name=${line%%=*}
            value=${line#*=}
            case $name in
                POSTGRES_USER) PG_USER=$value ;;
                PGUSER) [ -n "$PG_USER" ] || PG_USER=$value ;;
                POSTGRES_PASSWORD) PG_PASSWORD=$value ;;
                PGPASSWORD) [ -n "$PG_PASSWORD" ] || PG_PASSWORD=$value ;;
                POSTGRES_DB) PG_DB=$value ;;
                PGDATABASE) [ -n "$PG_DB" ] || PG_DB=$value ;;
            esac
        done < /run/vmflex/env
    else
        echo "vmflex-guest: warning: vmflex.env is not valid base64, ignored"
    fi
fi
if [ -z "$PG_USER" ] || [ -z "$PG_PASSWORD" ]; then
    echo "vmflex-guest: warning: no POSTGRES_USER/POSTGRES_PASSWORD in the VM's env; using the defaults (vmflex)"
fi
PG_USER=${PG_USER:-vmflex}
PG_PASSWORD=${PG_PASSWORD:-vmflex}
PG_DB=${PG_DB:-$PG_USER}

# The workload's cgroup: controllers first enabled at the root so the group gets cpu.max/memory.max.
mkdir -p /sys/fs/cgroup/workload
for c in cpu memory; do
    grep -qw "$c" /sys/fs/cgroup/cgroup.controllers 2>/dev/null \
        && echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
done
# spec.guest.settings (sysctl) before PostgreSQL starts; then the power button, which vmmd presses
# to stop the VM (rootfs/guest-settings.sh, rootfs/guest-power.sh).
BB=/usr/local/lib/vmflex/busybox
. /usr/local/lib/vmflex/guest-settings.sh
. /usr/local/lib/vmflex/guest-power.sh
apply_sysctl
echo "vmflex-guest: ready"

# The power button: PostgreSQL shuts down cleanly (fast: sessions ended, open transactions rolled
# back, a shutdown checkpoint written; its log says "database system is shut down"), then the VM
# powers off. vmmd kills QEMU if this takes longer than spec.terminationGracePeriodSeconds.
postgres_image_shutdown() {
    echo "vmflex-guest: shutting down"
    if [ -f "$PGDATA/postmaster.pid" ]; then
        echo "vmflex-guest: stopping postgres"
        if /usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_ctl" stop -D "$PGDATA" \
            -m fast -w -t 600 >/dev/null 2>&1; then
            echo "vmflex-guest: postgres stopped"
        else
            echo "vmflex-guest: postgres did not stop"
        fi
    fi
    power_off
}

# PGDATA from the initdb'd template when it has none yet (every boot on a tmpfs, the first on a
# data disk); an existing one is PostgreSQL's own, reused as it is (crash recovery if it must).
prepare_pgdata() {
    if [ -f "$PGDATA/PG_VERSION" ]; then
        echo "vmflex-guest: postgres data reused on the data disk"
        return 0
    fi
    rm -rf "$PGDATA"
    cp -a /var/lib/vmflex/pgdata-template "$PGDATA"
    # Password logins from the VM's own network (samenet: any subnet of a local interface).
    echo "host all all samenet scram-sha-256" >> "$PGDATA/pg_hba.conf"
    if pgdata_on_data_disk; then
        sync
        echo "vmflex-guest: postgres data initialised on the data disk"
    fi
}

start_postgres() {
    prepare_pgdata
    mkdir -p /run/postgresql
    chown postgres:postgres /run/postgresql "$PGDATA"
    chmod 0700 "$PGDATA"
    # sh -c so that $$ is the process that then execs postgres (it and its children stay in the group).
    sh -c 'echo $$ > /sys/fs/cgroup/workload/cgroup.procs; exec /usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups "$0" -D "$1"' \
        "$PGBIN/postgres" "$PGDATA" &
    i=0
    until /usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_isready" -q -h /run/postgresql -d postgres; do
        i=$((i + 1))
        [ $i -ge 600 ] && { echo "vmflex-guest: postgres did not start"; return 1; }
        sleep 0.2
    done
    # psql variables quote the names (:"x") and the password (:'x'): the values are not trusted.
    /usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/psql" -q -X -h /run/postgresql -d postgres \
        -v ON_ERROR_STOP=1 -v u="$PG_USER" -v p="$PG_PASSWORD" -v d="$PG_DB" > /dev/null <<'SQL' || { echo "vmflex-guest: creating the role failed"; return 1; }
SELECT format('CREATE ROLE %I', :'u') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'u') \gexec
ALTER ROLE :"u" LOGIN PASSWORD :'p';
SELECT format('CREATE DATABASE %I OWNER %I', :'d', :'u') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'d') \gexec
SQL
    read -r pid < "$PGDATA/postmaster.pid"
    read -r cg < "/proc/$pid/cgroup"
    echo "vmflex-guest: postgres cgroup ${cg#0::}"
    echo "vmflex-guest: postgres ready on $NET_IP:5432"
    run_command
}

# spec.guest.command/args (vmflex.cmd=<base64 of argv, one per line>), started once PostgreSQL is
# ready, in the workload cgroup beside it, as root, with the VM's env; its output goes to the
# console. For experiments such as allocate-loop; the image's own workload is PostgreSQL.
run_command() {
    [ -n "$CMDARG" ] || return 0
    echo "$CMDARG" | base64 -d > /run/vmflex/cmd 2>/dev/null || { echo "vmflex-guest: vmflex.cmd is not valid base64, ignored"; return 0; }
    (
        # $$ would be the init's own pid inside this subshell: the subshell reads its pid from /proc/self.
        read -r self _ < /proc/self/stat
        echo "$self" > /sys/fs/cgroup/workload/cgroup.procs 2>/dev/null
        if [ -s /run/vmflex/env ]; then
            while IFS= read -r line || [ -n "$line" ]; do export "$line"; done < /run/vmflex/env
        fi
        set --
        while IFS= read -r a || [ -n "$a" ]; do set -- "$@" "$a"; done < /run/vmflex/cmd
        echo "vmflex-guest: command started: $*"
        "$@"
        echo "vmflex-guest: command exited $?"
    ) &
}
# After the handler is defined: the watcher is a subshell, it sees only what exists when it forks.
watch_power_button postgres_image_shutdown
start_postgres &
# spec.enableSSH: sshd from the monitor's bundle, on this root's own glibc (rootfs/guest-ssh.sh).
SSH_LIBS=/opt/vmflex-monitor/ssh/lib
. /usr/local/lib/vmflex/guest-ssh.sh
start_sshd &

# The guest monitor (same program as in the test image), reporting the workload cgroup.
if [ -x /opt/vmflex-monitor/start ]; then
    /opt/vmflex-monitor/start </dev/null &
fi

. /usr/local/lib/vmflex/guest-report.sh
report_loop
