# The guest's report loop, shared by the test image's /init and the postgres image's init (both
# source it; busybox ash or dash). Five checks a second: online any offline CPU (not under
# SysfsScaling) and memory block
# (memory as online_movable, so virtio-mem can unplug it again) and print
#   vmflex-guest: cpus=<online> memtotal_kb=<MemTotal kB> uptime=<s>
# at once when something changed, else once a second. Builtins only in the loop: forks are slow
# under TCG, and $(...) would fork, so the helpers set variables instead of printing.

count_cpus() {
    n=0
    read -r online < /sys/devices/system/cpu/online
    old_ifs=$IFS
    IFS=,
    for r in $online; do
        case $r in
            *-*) n=$((n + ${r#*-} - ${r%-*} + 1)) ;;
            *) n=$((n + 1)) ;;
        esac
    done
    IFS=$old_ifs
    CPUS=$n
}

mem_total() {
    while read -r key value _; do
        [ "$key" = "MemTotal:" ] && { MEM=$value; return; }
    done < /proc/meminfo
}

report_loop() {
    last=
    tick=0
    # Above the workload's priority, as the guest monitor is: a guest that burns every vCPU must not
    # delay the onlining of a vCPU that arrives, nor the line that tells of it.
    renice -n -5 -p $$ >/dev/null 2>&1
    # cpuScalingMode: SysfsScaling (vmflex.cpu_scaling=sysfs): the host has the guest monitor online
    # and offline CPUs; onlining them here would undo every downscale.
    online_cpus=yes
    read -r cmdline < /proc/cmdline
    case " $cmdline " in *" vmflex.cpu_scaling=sysfs "*) online_cpus=no ;; esac
    while :; do
        [ "$online_cpus" = yes ] && for f in /sys/devices/system/cpu/cpu[0-9]*/online; do
            [ -f "$f" ] || continue
            read -r v < "$f" 2>/dev/null
            [ "$v" = 0 ] && echo 1 2>/dev/null > "$f"
        done
        for f in /sys/devices/system/memory/memory[0-9]*/state; do
            [ -f "$f" ] || continue
            read -r v < "$f" 2>/dev/null
            [ "$v" = offline ] && echo online_movable 2>/dev/null > "$f"
        done
        count_cpus
        mem_total
        now="cpus=$CPUS memtotal_kb=$MEM"
        if [ "$now" != "$last" ] || [ "$tick" -ge 5 ]; then
            read -r up _ < /proc/uptime
            echo "vmflex-guest: $now uptime=${up%%.*}"
            last=$now
            tick=0
        fi
        tick=$((tick + 1))
        sleep 0.2
    done
}
