package io.vmflex.api.permit;

/**
 * What the agent last saw of the VM's load, sent along with a permit request so that the scheduler
 * can rank VMs (for example, which to move off a full node). Informational: the scheduler's grant
 * does not depend on it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param loadAvg1      1-minute load average, 0 to {@link #MAX_LOAD}
 * @param loadAvg5      5-minute load average, 0 to {@link #MAX_LOAD}
 * @param memUsageBytes memory in use in the guest, 0 to {@link ResourceAmount#MAX_MEM_BYTES}
 */
public record PermitMetrics(double loadAvg1, double loadAvg5, long memUsageBytes) {

    /** A load average above this is nonsense, whatever the guest says. */
    public static final double MAX_LOAD = 1_000_000;

    public PermitMetrics {
        Fields.range(loadAvg1, 0, MAX_LOAD, "loadAvg1");
        Fields.range(loadAvg5, 0, MAX_LOAD, "loadAvg5");
        Fields.range(memUsageBytes, 0, ResourceAmount.MAX_MEM_BYTES, "memUsageBytes");
    }
}
