package io.vmflex.monitor;

import io.vmflex.api.guest.GuestMessage;

/**
 * One reading of what the guest sees of itself; every value 0 when its source file is missing.
 * Bytes throughout; {@code cpuTicks} are /proc/stat's cumulative counters of all CPUs (USER_HZ), which
 * {@link CpuBusyMeter} turns into a busy share between two readings.
 */
public record GuestStats(int cpusOnline, double loadAvg1, double loadAvg5, double loadAvg15,
                         long memTotalBytes, long memAvailableBytes, long cachedBytes, long workloadAnonBytes,
                         double psiMemorySome10, double psiMemoryFull10, double psiCpuSome10, CpuTicks cpuTicks) {

    /** The "cpu" line of /proc/stat: ticks not idle, and all ticks; both 0 when unreadable. */
    public record CpuTicks(long busy, long total) {
        public static final CpuTicks NONE = new CpuTicks(0, 0);
    }

    /**
     * Memory the guest cannot give back without hurting the workload: {@code MemTotal −
     * MemAvailable} (what the kernel could not reclaim; counts kernel and all processes), or the
     * workload cgroup's anonymous memory when that is larger (it can be, briefly, since
     * MemAvailable counts some of the cgroup's pages as reclaimable while they are being swapped
     * or are still in the page cache). Taking the larger errs on the side of keeping memory.
     */
    public long usedBytes() {
        return Math.max(Math.max(0, memTotalBytes - memAvailableBytes), workloadAnonBytes);
    }

    /** The Metrics message, with the busy share since the previous report ({@link CpuBusyMeter}). */
    public GuestMessage.Metrics toMetrics(long id, double cpuBusy) {
        return new GuestMessage.Metrics(id, cpusOnline, loadAvg1, loadAvg5, loadAvg15, memTotalBytes,
                memAvailableBytes, cachedBytes, workloadAnonBytes, psiMemorySome10, psiMemoryFull10, psiCpuSome10, cpuBusy);
    }
}
