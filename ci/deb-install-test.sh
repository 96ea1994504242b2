#!/usr/bin/env bash
# The package on a fresh Debian 12: debootstraps bookworm (minbase) into a scratch directory, adds
# bookworm-backports, and there
#   1. `apt-get install ./vmflex_*.deb` WITHOUT backports: must fail, naming the QEMU it needs;
#   2. `apt-get install -t bookworm-backports ./vmflex_*.deb`: timed; then vmflex --version, vmctl
#      --help, the group, /var/lib/vmflex, check-qemu, and the packaged daemon started as systemd
#      would (NOTIFY_SOCKET is not checked here: no systemd in a chroot) answering `vmctl check-node`;
#   3. with a second package (NEXT_DEB) and IMAGES (the test image): vmmd.service is started by a
#      systemctl stand-in (ci/deb-systemctl-standin.sh: no systemd here) with its options in
#      /etc/default/vmflex, two VMs boot, the next package is installed over them: its prerm stops
#      the unit (KillMode=process: SIGTERM to the daemon only), postinst starts it again, the new
#      daemon re-adopts both (same QEMU pids); `apt-get remove` stops the daemon and leaves the VMs
#      running and the state in place; `apt-get purge` removes the state.
# Needs root and Debian's archive. Takes 3-6 minutes (debootstrap ~1-2, QEMU's dependencies).
# Usage: ci/deb-install-test.sh DEB [NEXT_DEB IMAGES_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEB=$(readlink -f "${1:?usage: deb-install-test.sh DEB [NEXT_DEB IMAGES_DIR]}")
NEXT=${2:+$(readlink -f "$2")}
IMAGES=${3:-}
[ "$(id -u)" = 0 ] || { echo "deb-install-test: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
MIRROR=$("$ROOT/rootfs/debian-mirror.sh" bookworm)
CH=$(mktemp -d /tmp/vmflex-deb-chroot.XXXXXX)
log() { echo "deb-install-test: $*" >&2; }
in_ch() { chroot "$CH" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
cleanup() {
  # The daemons first: a daemon that sees its QEMU die restarts it (restart policy), and the new
  # QEMU would outlive this script.
  [ -n "${DAEMON:-}" ] && kill -9 "$DAEMON" 2>/dev/null || true
  unit=$(cat "$CH/run/systemd-standin/vmmd.service.pid" 2>/dev/null || true)
  [ -n "$unit" ] && kill -9 "$unit" 2>/dev/null || true
  sleep 0.5
  # Our VMs only: the QEMUs whose root directory is this chroot.
  for pid in $(pgrep qemu-system 2>/dev/null); do
    [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$CH" ] && kill -9 "$pid" 2>/dev/null || true
  done
  sleep 1
  find /sys/fs/cgroup -depth -type d -name 'vmflex-debtest*' -exec rmdir {} \; 2>/dev/null || true
  for m in dev/pts dev proc sys; do umount -l "$CH/$m" 2>/dev/null || true; done
  rm -rf "$CH"
}
trap cleanup EXIT

t0=$(date +%s)
log "debootstrap bookworm (minbase) into $CH from $MIRROR"
debootstrap --variant=minbase bookworm "$CH" "$MIRROR" >/dev/null
log "debootstrap took $(( $(date +%s) - t0 )) s"
echo "deb $MIRROR bookworm-backports main" > "$CH/etc/apt/sources.list.d/backports.list"
mount -t proc proc "$CH/proc"; mount --rbind /sys "$CH/sys"; mount --rbind /dev "$CH/dev"
in_ch apt-get update -qq
cp "$DEB" "$CH/root/"
name=$(basename "$DEB")

log "1. install without backports must fail on QEMU"
if in_ch apt-get install -y -q "/root/$name" > "$CH/root/no-backports.log" 2>&1; then
  log "FAIL: installed without backports"; exit 1
fi
grep -E "vmflex : Depends: qemu-system-x86 \(>= 1:10.0\)" "$CH/root/no-backports.log" >&2 \
  || { log "FAIL: apt's error does not name QEMU:"; cat "$CH/root/no-backports.log" >&2; exit 1; }

log "2. install with backports"
t1=$(date +%s%N)
in_ch apt-get install -y -q -t bookworm-backports "/root/$name" > "$CH/root/install.log" 2>&1 \
  || { cat "$CH/root/install.log" >&2; exit 1; }
t2=$(date +%s%N)
extra=$(grep -oE '[0-9]+ newly installed' "$CH/root/install.log" || true)
log "apt-get install: $(( (t2 - t1) / 1000000 )) ms ($extra, download included); package $(du -h "$DEB" | cut -f1)"
t3=$(date +%s%N)
in_ch dpkg -r vmflex >/dev/null && in_ch dpkg -i "/root/$name" >/dev/null
t4=$(date +%s%N)
log "dpkg -i of vmflex alone (dependencies present): $(( (t4 - t3) / 1000000 )) ms"

in_ch vmflex --version | grep -q '^vmflex ' || { log "FAIL: vmflex --version"; exit 1; }
in_ch vmctl --help | grep -q check-node || { log "FAIL: vmctl --help"; exit 1; }
t5=$(date +%s%N); in_ch vmctl --help >/dev/null; t6=$(date +%s%N)
log "vmctl --help: $(( (t6 - t5) / 1000000 )) ms"
in_ch getent group vmflex >/dev/null || { log "FAIL: no group vmflex"; exit 1; }
[ -d "$CH/var/lib/vmflex" ] || { log "FAIL: no /var/lib/vmflex"; exit 1; }
in_ch /usr/lib/vmflex/check-qemu || { log "FAIL: check-qemu refuses the backports QEMU"; exit 1; }
in_ch test -f /usr/share/bash-completion/completions/vmctl

start_daemon() {
  chroot "$CH" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/vmflex daemon --state-dir /var/lib/vmflex \
    --socket /run/vmflex/vmmd.sock --admin-group vmflex --no-network --node-name debtest --cgroup-parent vmflex-debtest \
    >> "$CH/root/daemon.log" 2>&1 &
  DAEMON=$!
  for _ in $(seq 1 120); do in_ch vmctl get vms >/dev/null 2>&1 && return 0; sleep 0.5; done
  log "FAIL: daemon did not answer"; cat "$CH/root/daemon.log" >&2; exit 1
}
mkdir -p "$CH/run/vmflex"
start_daemon
in_ch vmctl check-node | tee "$CH/root/check-node.txt" | head -n 20 >&2
grep -qi qemu "$CH/root/check-node.txt" || { log "FAIL: vmctl check-node"; exit 1; }

if [[ -n "$NEXT" ]]; then
  log "3. upgrade to $(basename "$NEXT") with two VMs running, vmmd.service run by a systemctl stand-in"
  kill -TERM "$DAEMON"; wait "$DAEMON" || true; DAEMON=
  # No systemd here: /run/systemd/system and ci/deb-systemctl-standin.sh as /usr/bin/systemctl make
  # the maintainer scripts stop and start the unit as they do under systemd (KillMode=process).
  install -m 0755 "$ROOT/ci/deb-systemctl-standin.sh" "$CH/usr/bin/systemctl"
  mkdir -p "$CH/run/systemd/system"
  # The operator's way to add options: /etc/default/vmflex (a conffile: kept over the upgrade).
  sed -i 's/^VMMD_OPTS=.*/VMMD_OPTS="--no-network --node-name debtest --cgroup-parent vmflex-debtest"/' "$CH/etc/default/vmflex"
  in_ch systemctl start vmmd.service || { cat "$CH/var/log/systemd-standin/vmmd.service.log" >&2; exit 1; }
  unit_pid() { cat "$CH/run/systemd-standin/vmmd.service.pid" 2>/dev/null || true; }
  old_daemon=$(unit_pid)
  mkdir -p "$CH/var/lib/vmflex/images"
  cp -a "$IMAGES/test" "$CH/var/lib/vmflex/images/"
  for vm in vm-a vm-b; do
    sed -e "s/name: test-vm/name: $vm/" "$ROOT/examples/test-vm.yaml" > "$CH/root/$vm.yaml"
    in_ch vmctl apply -f "/root/$vm.yaml" >/dev/null
  done
  pids() { for vm in vm-a vm-b; do in_ch vmctl get vm "$vm" -o json | sed -n 's/.*"pid" *: *\([0-9]*\).*/\1/p' | head -n1; done | paste -sd' '; }
  for _ in $(seq 1 120); do [[ $(in_ch vmctl get vms | grep -c Running) == 2 ]] && break; sleep 1; done
  before=$(pids); log "VMs running under vmmd.service (daemon pid $old_daemon), QEMU pids: $before"
  [[ "$before" =~ ^[0-9]+\ [0-9]+$ ]] || { log "FAIL: two VMs did not start"; in_ch vmctl get vms >&2; exit 1; }
  cp "$NEXT" "$CH/root/"
  # prerm (upgrade) stops the unit, dpkg replaces the files, postinst starts the unit again.
  t7=$(date +%s%N)
  in_ch apt-get install -y -q -t bookworm-backports "/root/$(basename "$NEXT")" > "$CH/root/upgrade.log" 2>&1 \
    || { cat "$CH/root/upgrade.log" >&2; exit 1; }
  t8=$(date +%s%N)
  new_daemon=$(unit_pid)
  log "upgraded to $(in_ch dpkg-query -W -f='${Version}' vmflex) in $(( (t8 - t7) / 1000000 )) ms; daemon pid $old_daemon -> $new_daemon"
  [[ -n "$new_daemon" && "$new_daemon" != "$old_daemon" ]] && ! kill -0 "$old_daemon" 2>/dev/null \
    || { log "FAIL: postinst did not restart the daemon"; cat "$CH/root/upgrade.log" >&2; exit 1; }
  for p in $before; do kill -0 "$p" || { log "FAIL: QEMU $p died in the upgrade"; exit 1; }; done
  for _ in $(seq 1 60); do [[ $(in_ch vmctl get vms | grep -c Running) == 2 ]] && break; sleep 1; done
  after=$(pids)
  [[ "$after" == "$before" ]] || { log "FAIL: pids $before -> $after"; in_ch vmctl get vms >&2; exit 1; }
  # The status carries the pids from the state files at once; the re-adoption is the daemon's event.
  UNIT_LOG="$CH/var/log/systemd-standin/vmmd.service.log"
  for _ in $(seq 1 60); do [[ $(grep -c "reason=Adopted" "$UNIT_LOG") == 2 ]] && break; sleep 1; done
  [[ $(grep -c "reason=Adopted" "$UNIT_LOG") == 2 ]] || { log "FAIL: the new daemon did not log 2 re-adoptions"; tail -n 30 "$UNIT_LOG" >&2; exit 1; }
  grep "reason=Adopted" "$UNIT_LOG" | sed 's/^/  /' >&2
  log "re-adopted after the upgrade: same QEMU pids $after"
  # prerm (remove) stops the unit; nothing starts it again.
  in_ch apt-get remove -y -q vmflex > /dev/null
  [[ -z "$(unit_pid)" ]] || ! kill -0 "$(unit_pid)" 2>/dev/null || { log "FAIL: remove left the daemon running"; exit 1; }
  for p in $before; do kill -0 "$p" || { log "FAIL: QEMU $p died on remove"; exit 1; }; done
  [ -d "$CH/var/lib/vmflex/vms/vm-a" ] || { log "FAIL: remove took the state"; exit 1; }
  log "removed: daemon stopped, both VMs still run, state kept"
  in_ch apt-get purge -y -q vmflex > /dev/null
  [ ! -e "$CH/var/lib/vmflex" ] || { log "FAIL: purge left /var/lib/vmflex"; exit 1; }
  log "purged: /var/lib/vmflex gone"
else
  kill -TERM "$DAEMON"; wait "$DAEMON" || true
fi
log "all checks passed"
