package io.vmflex.scheduler.core;

/**
 * The scheduler's policy knobs. Immutable.
 *
 * @param hostReserve       taken off every node's CPUs and memory before anything is reserved for
 *                          VMs (the host's own processes, vmmd, the agent)
 * @param watermarkFraction of a node's capacity; above it the node is asked to shed VMs (0 &lt; f ≤ 1)
 * @param defaultUnit       the compute unit of a request that names none; partial grants are whole
 *                          multiples of the unit
 */
public record SchedulerConfig(Amount hostReserve, double watermarkFraction, Amount defaultUnit) {

    /** Neon's compute unit: 0.25 vCPU with 1 GiB. */
    public static final Amount NEON_UNIT = new Amount(250, 1L << 30);
    /** Neon's watermark: 90 % of a node's capacity. */
    public static final double DEFAULT_WATERMARK = 0.9;
    /** A quarter of a CPU and 512 MiB for the host; override per machine. */
    public static final Amount DEFAULT_HOST_RESERVE = new Amount(250, 512L << 20);

    public static final SchedulerConfig DEFAULT = new SchedulerConfig(DEFAULT_HOST_RESERVE, DEFAULT_WATERMARK, NEON_UNIT);

    public SchedulerConfig {
        if (hostReserve == null || defaultUnit == null) {
            throw new IllegalArgumentException("hostReserve and defaultUnit are required");
        }
        if (!(watermarkFraction > 0 && watermarkFraction <= 1)) {
            throw new IllegalArgumentException("watermarkFraction: must be above 0 and at most 1, got " + watermarkFraction);
        }
        if (defaultUnit.cpuMillis() == 0 || defaultUnit.memBytes() == 0) {
            throw new IllegalArgumentException("defaultUnit: both parts must be above 0, got " + defaultUnit.describe());
        }
    }
}
