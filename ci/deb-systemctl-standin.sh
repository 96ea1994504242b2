#!/bin/bash
# A stand-in for systemctl inside ci/deb-install-test.sh's chroot, where no systemd runs (PID 1 of
# these machines is the sandbox's own process, and a chroot has no init): installed there as
# /usr/bin/systemctl with /run/systemd/system present, so that the package's prerm and postinst take
# their systemd path. It does for a unit under /lib/systemd/system what systemd does with the
# directives the vmflex units use, and nothing more:
#   start       EnvironmentFile=- (sourced when present), RuntimeDirectory=, ExecStartPre= (must
#               succeed), ExecStart= with $VAR expanded and split into words, in a new session;
#               Type=notify readiness stands as "the admin socket answers" (what the daemon's
#               READY=1 means: DaemonSystemdNotifyIT checks that), up to TimeoutStartSec
#   stop        KillMode=process: SIGTERM (KillSignal=) to the main process only, never to the
#               QEMUs it started; SIGKILL to it alone after 90 s
#   is-active   the main process lives (exit 0), else exit 3
#   daemon-reload, enable, disable: nothing to do here
# The main pid is kept in /run/systemd-standin/UNIT.pid, its output in /var/log/systemd-standin/UNIT.log.
set -euo pipefail
STATE=/run/systemd-standin
LOGS=/var/log/systemd-standin
mkdir -p "$STATE" "$LOGS"
[[ "${1:-}" == --quiet ]] && shift
verb=${1:-}
shift || true
[[ "${1:-}" == --quiet ]] && shift

directive() { sed -n "s/^$1=//p" "$2"; }
main_pid() { local p; p=$(cat "$STATE/$1.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null && echo "$p"; }

start() {
  local unit=$1 file=/lib/systemd/system/$1
  [[ -f "$file" ]] || { echo "systemctl (stand-in): no unit $unit" >&2; return 5; }
  main_pid "$unit" >/dev/null && return 0
  (
    local env dir pre
    env=$(directive EnvironmentFile "$file")
    [[ -n "$env" && -f "${env#-}" ]] && { set -a; . "${env#-}"; set +a; }
    for dir in $(directive RuntimeDirectory "$file"); do mkdir -p "/run/$dir"; done
    while IFS= read -r pre; do
      [[ -n "$pre" ]] || continue
      eval "$pre" || { echo "systemctl (stand-in): $unit: ExecStartPre $pre failed" >&2; exit 1; }
    done < <(directive ExecStartPre "$file")
    eval "setsid $(directive ExecStart "$file")" </dev/null >>"$LOGS/$unit.log" 2>&1 &
    echo $! > "$STATE/$unit.pid"
  )
  local timeout
  timeout=$(directive TimeoutStartSec "$file"); timeout=${timeout:-90}
  for _ in $(seq 1 $((timeout * 2))); do
    main_pid "$unit" >/dev/null || { echo "systemctl (stand-in): $unit exited at start, see $LOGS/$unit.log" >&2; return 1; }
    vmctl get vms >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "systemctl (stand-in): $unit not ready within ${timeout} s" >&2
  return 1
}

stop() {
  local unit=$1 pid sig
  pid=$(main_pid "$unit") || return 0
  sig=$(directive KillSignal "/lib/systemd/system/$unit"); sig=${sig:-SIGTERM}
  kill -s "${sig#SIG}" "$pid"
  for _ in $(seq 1 180); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$STATE/$unit.pid"
}

case "$verb" in
  start) for u in "$@"; do start "$u"; done ;;
  stop) for u in "$@"; do stop "$u"; done ;;
  restart) for u in "$@"; do stop "$u"; start "$u"; done ;;
  is-active) for u in "$@"; do main_pid "$u" >/dev/null || exit 3; done ;;
  daemon-reload|enable|disable) ;;
  *) echo "systemctl (stand-in): $verb is not supported here" >&2; exit 1 ;;
esac
