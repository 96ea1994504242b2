package io.vmflex.agent.core;

/**
 * Neon's goal rule, plus vmflex's fast CPU signal: the goal is a whole number of compute units,
 * {@code ceil(max(cpu units, memory units))}, taken for CPU and memory alike, then clamped to the
 * VM's bounds.
 *
 * <ul>
 *   <li>CPU units from the load average: {@code load1 / loadAverageTarget / unit.cpu} (Neon).</li>
 *   <li>vmflex, when the guest sends the busy fraction of its allocation over the last second or
 *       two: below {@code cpuSaturatedAbove} nothing queues, so {@code busy × use.cpu / cpuBusyTarget
 *       / unit.cpu} replaces the load average (which lags a load step, up or down, by tens of
 *       seconds); at or above it the true demand is unknown, so it asks for at least double the
 *       CPU (or one unit more), or what the load average asks if that is more. The guest's own
 *       busy share (its /proc/stat) at or above that mark also reads as saturated, while the host
 *       sees the VM use at least half its allocation.</li>
 *   <li>Memory units: {@code (used + headroom) / memoryUsageTarget / unit.mem} (Neon).</li>
 *   <li>A monitor upscale request still valid forces memory of at least use + 1 unit.</li>
 * </ul>
 * Without a fresh sample the goal is the VM's use (raised by a monitor request): missing metrics
 * never lower anything. Stateless.
 */
final class GoalCalculator {
    /**
     * The runnable count counts only while the VM uses at least this share of its allocation: a
     * crowded host lowers the share of a VM that works (pgbench against it reads 0.5-0.9 here), but
     * on a host that seldom runs the VM's vCPUs an idle guest's few tasks wait for them too and read
     * as about one runnable task (seen at load 15 on 2 cores: busy 0.11, runnable 1.11), which would
     * otherwise ask for a vCPU and never give it back.
     */
    static final double RUNNABLE_HOLD_MIN_BUSY = 0.25;
    /**
     * The guest's own busy share confirms saturation only while the host measures at least this share
     * of the allocation: the guest is untrusted, and an idle guest that claims to be saturated must not
     * double its CPU. Below the host's saturation mark on purpose: the VM's cgroup quota also pays for
     * QEMU's own threads, so saturated vCPUs read about 0.7 of the allocation on the host under TCG.
     */
    static final double GUEST_SATURATION_MIN_HOST_BUSY = 0.5;

    private GoalCalculator() {
    }

    /** @param runnable the guest's runnable tasks now ({@link LoadTracker}), NaN when not known */
    static Goal compute(ScalingConfig config, VmView vm, GuestMetrics metrics, long floorBytes, long floorUntilMs,
                        long cpuResizedAtMs, double runnable, long nowMs) {
        Allocation unit = vm.unit();
        Allocation use = vm.use();
        long floor = nowMs < floorUntilMs ? floorBytes : 0;
        long floorUnits = ceilDiv(floor, unit.memBytes());
        boolean fresh = metrics != null && nowMs - metrics.receivedAtMs() <= config.metricsStaleAfterMs();
        if (!fresh) {
            Allocation raised = new Allocation(use.cpuMillis(), Math.max(use.memBytes(), floorUnits * unit.memBytes()));
            GoalInputs inputs = new GoalInputs(config.mode(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    metrics == null ? -1 : nowMs - metrics.receivedAtMs(), floor, Double.NaN, Double.NaN, floorUnits);
            return new Goal(raised.clamp(vm.boundsMin(), vm.boundsMax()), use, false, inputs);
        }
        double unitCpus = unit.cpuMillis() / 1000.0;
        double loadUnits = metrics.loadAvg1() / config.loadAverageTarget() / unitCpus;
        boolean fastSignal = config.mode() == ScalingMode.VMFLEX && metrics.hasCpuBusy();
        double busy = fastSignal ? metrics.cpuBusyFraction() : Double.NaN;
        // NaN compares false: without the guest's figure, saturation is the host's call alone.
        double guestBusy = fastSignal ? metrics.guestCpuBusy() : Double.NaN;
        double useCpus = use.cpuMillis() / 1000.0;
        double cpuUnits = loadUnits;
        if (fastSignal && cpuResizedAtMs != ScalingState.NEVER
                && metrics.receivedAtMs() - cpuResizedAtMs < config.cpuBusyWindowMs()) {
            // The sample may span the last CPU resize, measured against another allocation: hold
            // the CPU where it is until a clean sample comes (the load average would pull it back
            // toward its minute of history). The guest's busy share comes from the same span: not used either.
            busy = Double.NaN;
            guestBusy = Double.NaN;
            cpuUnits = useCpus / unitCpus;
        } else if (fastSignal) {
            if (busy >= config.cpuSaturatedAbove() || (guestBusy >= config.cpuSaturatedAbove() && busy >= GUEST_SATURATION_MIN_HOST_BUSY)) {
                // Saturated: the demand is unknown, at least double; the load average may know more.
                cpuUnits = Math.max(loadUnits, Math.max(2 * useCpus, useCpus + unitCpus) / unitCpus);
            } else {
                // Not saturated: the busy share is the demand now, and the load average (a minute of
                // history) would only hold the VM up after the load is gone. But a crowded host gives
                // the VM less than it wants, which reads as a lower busy share: the guest's own count of
                // runnable tasks (current within 5 s) keeps what they still use.
                cpuUnits = busy * useCpus / config.cpuBusyTarget() / unitCpus;
                if (runnable >= 0 && busy >= RUNNABLE_HOLD_MIN_BUSY) {
                    cpuUnits = Math.max(cpuUnits, Math.min(runnable, useCpus) / config.cpuBusyTarget() / unitCpus);
                }
            }
        }
        double memUnits = (metrics.memUsedBytes() + config.memoryHeadroomBytes()) / config.memoryUsageTarget()
                / unit.memBytes();
        long units = Math.max(ceil(Math.max(cpuUnits, memUnits)), floorUnits);
        double factor = 1 + config.downscaleHysteresis();
        long downUnits = Math.max(ceil(Math.max(cpuUnits, memUnits) * factor), floorUnits);
        Allocation target = ofUnits(units, unit).clamp(vm.boundsMin(), vm.boundsMax());
        Allocation down = ofUnits(downUnits, unit).clamp(vm.boundsMin(), vm.boundsMax());
        GoalInputs inputs = new GoalInputs(config.mode(), metrics.loadAvg1(), busy, guestBusy, fastSignal ? runnable : Double.NaN,
                metrics.memUsedBytes(),
                metrics.memTotalBytes(), nowMs - metrics.receivedAtMs(), floor, cpuUnits, memUnits, units);
        return new Goal(target, down, true, inputs);
    }

    private static Allocation ofUnits(long units, Allocation unit) {
        // Saturating: a clamped load of 65536 with a tiny unit must not overflow.
        long cpu = units > Long.MAX_VALUE / unit.cpuMillis() ? Long.MAX_VALUE : units * unit.cpuMillis();
        long mem = units > Long.MAX_VALUE / unit.memBytes() ? Long.MAX_VALUE : units * unit.memBytes();
        return new Allocation(cpu, mem);
    }

    private static long ceil(double units) {
        if (!(units > 0)) {
            return 0;
        }
        // A hair of tolerance so that 2.0000000001 from floating-point division stays 2.
        return (long) Math.min(Math.ceil(units - 1e-9), Long.MAX_VALUE / 2.0);
    }

    private static long ceilDiv(long a, long b) {
        return a <= 0 ? 0 : (a + b - 1) / b;
    }
}
