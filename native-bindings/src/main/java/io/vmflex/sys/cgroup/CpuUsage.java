package io.vmflex.sys.cgroup;

/**
 * A cgroup's cumulative CPU accounting, as the kernel keeps it.
 *
 * @param usageNanos       CPU time used by every task in the group (v2 {@code cpu.stat usage_usec},
 *                         v1 {@code cpuacct.usage})
 * @param throttledPeriods periods in which the quota ran out ({@code nr_throttled})
 * @param throttledNanos   time the group's tasks waited for the next period (v2 {@code throttled_usec},
 *                         v1 {@code throttled_time})
 */
public record CpuUsage(long usageNanos, long throttledPeriods, long throttledNanos) {
}
