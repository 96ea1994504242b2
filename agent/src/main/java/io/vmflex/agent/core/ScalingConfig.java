package io.vmflex.agent.core;

/**
 * The agent's constants. Times are milliseconds on the agent's clock. Immutable.
 *
 * @param mode                       which rules decide
 * @param loadAverageTarget          wanted load average per vCPU (Neon: 0.9)
 * @param cpuBusyTarget              wanted busy fraction of the allocation, fast signal (vmflex)
 * @param cpuBusyWindowMs            how far back the guest's busy fraction looks (1–2 s); a sample
 *                                   received sooner than this after a CPU resize is not used
 * @param cpuSaturatedAbove          busy fraction from which the fast signal reads "demand unknown,
 *                                   at least double"
 * @param memoryUsageTarget          wanted fraction of memory in use (Neon: 0.75)
 * @param memoryHeadroomBytes        added to used memory before dividing (Neon: 100 MiB)
 * @param metricsStaleAfterMs        a sample older than this counts as missing
 * @param downscaleWindowMs          the goal must stay lower this long before a downscale
 * @param downscaleHysteresis        a downscale counts demand this fraction higher than measured,
 *                                   so a load near a unit boundary does not flip back and forth
 * @param monitorUpscaleValidMs      how long a monitor upscale request forces memory (Neon: 10 s)
 * @param monitorUpscaleMinIntervalMs monitor upscale requests closer than this are dropped
 * @param deniedDownscaleHoldMs      a denied downscale holds denied + 1 unit this long (Neon: 5 s)
 * @param permitRetryAfterFailureMs  Neon: 3 s
 * @param permitRetryAfterDenialMs   Neon: 2 s
 * @param permitRefreshMs            ask the scheduler at least this often, even with no change (Neon: 15 s); 0 = never
 * @param metricsIntervalMs          how often the guest's metrics arrive (pushed every 1 s; Neon polls every 5 s);
 *                                   the executor uses it, the core only through {@code metricsStaleAfterMs}
 * @param patchRetryMs               retry of a failed patch
 * @param migratingRetryMs           retry of a patch refused with 409 because the VM migrates, unless
 *                                   the VM is seen landing first
 * @param monitorRetryMs             retry of a failed monitor notification or release
 * @param operationTimeoutMs         an operation without an answer this long counts as failed
 *                                   (Neon's patch timeout: 10 s)
 * @param maxLoadAverage             larger reported load averages are clamped to this
 */
public record ScalingConfig(
        ScalingMode mode,
        double loadAverageTarget,
        double cpuBusyTarget,
        long cpuBusyWindowMs,
        double cpuSaturatedAbove,
        double memoryUsageTarget,
        long memoryHeadroomBytes,
        long metricsStaleAfterMs,
        long downscaleWindowMs,
        double downscaleHysteresis,
        long monitorUpscaleValidMs,
        long monitorUpscaleMinIntervalMs,
        long deniedDownscaleHoldMs,
        long permitRetryAfterFailureMs,
        long permitRetryAfterDenialMs,
        long permitRefreshMs,
        long metricsIntervalMs,
        long patchRetryMs,
        long migratingRetryMs,
        long monitorRetryMs,
        long operationTimeoutMs,
        double maxLoadAverage) {

    private static final long MIB = 1024L * 1024;

    public ScalingConfig {
        if (!(loadAverageTarget > 0 && cpuBusyTarget > 0 && cpuBusyTarget <= 1 && memoryUsageTarget > 0
                && memoryUsageTarget <= 1 && downscaleHysteresis >= 0 && maxLoadAverage > 0)) {
            throw new IllegalArgumentException("scaling targets out of range");
        }
    }

    /** Neon's rules: metrics every 5 s (stale after three missed polls), no window, no hysteresis. */
    public static ScalingConfig neonRules() {
        return new ScalingConfig(ScalingMode.NEON_RULES, 0.9, 0.9, 2_000, 0.95, 0.75, 100 * MIB, 15_000, 0, 0.0,
                10_000, 1_000, 5_000, 3_000, 2_000, 15_000, 5_000, 1_000, 5_000, 1_000, 10_000, 65_536);
    }

    /**
     * vmflex: metrics pushed every second (stale after five missed), the fast CPU signal, a 20 s
     * downscale window and 10 % hysteresis.
     */
    public static ScalingConfig vmflex() {
        return new ScalingConfig(ScalingMode.VMFLEX, 0.9, 0.9, 2_000, 0.95, 0.75, 100 * MIB, 5_000, 20_000, 0.10,
                10_000, 1_000, 5_000, 3_000, 2_000, 15_000, 1_000, 1_000, 5_000, 1_000, 10_000, 65_536);
    }

    /**
     * How often the agent looks at the daemon for a new sample. vmflex looks four times per push, so a
     * sample waits at most a quarter of the interval to be acted on instead of up to a whole one (a
     * repeated sample is passed on once); Neon's rules keep Neon's own poll.
     */
    public long pollIntervalMs() {
        return mode == ScalingMode.NEON_RULES ? metricsIntervalMs : Math.max(50, metricsIntervalMs / 4);
    }

    public ScalingConfig withDownscaleWindowMs(long windowMs) {
        return new ScalingConfig(mode, loadAverageTarget, cpuBusyTarget, cpuBusyWindowMs, cpuSaturatedAbove, memoryUsageTarget,
                memoryHeadroomBytes, metricsStaleAfterMs, windowMs, downscaleHysteresis, monitorUpscaleValidMs,
                monitorUpscaleMinIntervalMs, deniedDownscaleHoldMs, permitRetryAfterFailureMs,
                permitRetryAfterDenialMs, permitRefreshMs, metricsIntervalMs, patchRetryMs, migratingRetryMs,
                monitorRetryMs, operationTimeoutMs, maxLoadAverage);
    }

    public ScalingConfig withPermitRefreshMs(long refreshMs) {
        return new ScalingConfig(mode, loadAverageTarget, cpuBusyTarget, cpuBusyWindowMs, cpuSaturatedAbove, memoryUsageTarget,
                memoryHeadroomBytes, metricsStaleAfterMs, downscaleWindowMs, downscaleHysteresis,
                monitorUpscaleValidMs, monitorUpscaleMinIntervalMs, deniedDownscaleHoldMs, permitRetryAfterFailureMs,
                permitRetryAfterDenialMs, refreshMs, metricsIntervalMs, patchRetryMs, migratingRetryMs, monitorRetryMs,
                operationTimeoutMs, maxLoadAverage);
    }
}
