package io.vmflex.agent.core;

/**
 * One sample of what the guest monitor says about its VM, as the agent receives it. The guest is
 * untrusted: {@link MetricsSanitiser} checks every sample before it reaches the decision logic.
 *
 * @param loadAvg1        1-minute load average
 * @param cpuBusyFraction fraction of the VM's CPU allocation that was busy over the last 1–2 s,
 *                        0 to 1; {@code NaN} when the guest does not send it (older monitors, and
 *                        Neon-rules mode ignores it)
 * @param memUsedBytes    memory in use that the guest cannot reclaim (total − available)
 * @param memTotalBytes   memory the guest has
 * @param receivedAtMs    when the agent received it, on the agent's clock (never the guest's)
 * @param guestCpuBusy    the guest's own busy share of its online vCPUs since its previous report
 *                        (its /proc/stat), 0 to 1; NaN when it does not say. Untrusted: it only
 *                        confirms saturation the host's measure also shows ({@link GoalCalculator})
 */
public record GuestMetrics(double loadAvg1, double cpuBusyFraction, double memUsedBytes, double memTotalBytes,
                           long receivedAtMs, double guestCpuBusy) {

    /** A sample without the guest's own busy share. */
    public GuestMetrics(double loadAvg1, double cpuBusyFraction, double memUsedBytes, double memTotalBytes, long receivedAtMs) {
        this(loadAvg1, cpuBusyFraction, memUsedBytes, memTotalBytes, receivedAtMs, Double.NaN);
    }

    public boolean hasCpuBusy() {
        return !Double.isNaN(cpuBusyFraction);
    }
}
