package io.vmflex.agent.core;

/**
 * What a goal was computed from, carried by every {@link Decision} so that an event can say why.
 * Immutable.
 *
 * @param mode               the rules used
 * @param loadAvg1           the load average used, NaN without fresh metrics
 * @param cpuBusyFraction    the fast CPU signal used, NaN when absent or not used
 * @param guestCpuBusy       the guest's own busy share, NaN when absent or not used
 * @param runnableTasks      the guest's runnable tasks read out of its load average, NaN when unknown or not used
 * @param memUsedBytes       NaN without fresh metrics
 * @param memTotalBytes      NaN without fresh metrics
 * @param metricsAgeMs       age of the sample, -1 when there is none
 * @param monitorFloorBytes  memory forced by a monitor upscale request still valid, 0 when none
 * @param cpuUnits           compute units the CPU signals ask for (before rounding)
 * @param memUnits           compute units memory asks for (before rounding)
 * @param goalUnits          the whole number of units chosen (before clamping to the bounds)
 */
public record GoalInputs(ScalingMode mode, double loadAvg1, double cpuBusyFraction, double guestCpuBusy, double runnableTasks, double memUsedBytes,
                         double memTotalBytes, long metricsAgeMs, long monitorFloorBytes, double cpuUnits,
                         double memUnits, long goalUnits) {
}
