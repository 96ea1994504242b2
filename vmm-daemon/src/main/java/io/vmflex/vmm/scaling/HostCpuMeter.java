package io.vmflex.vmm.scaling;

import io.vmflex.sys.cgroup.CpuUsage;

/**
 * How busy a VM's CPUs were over the last second or so, measured on the host from the kernel's
 * accounting of QEMU's CPU time: the autoscaler's fast CPU signal. Unlike anything the guest
 * reports, the guest cannot inflate it, and it is there one second after a load step instead of
 * after the guest's one-minute load average has caught up.
 *
 * <p>Not threadsafe: sampled on the VM's supervisor thread; the last reading is published through a
 * volatile field for the admin API.
 */
public final class HostCpuMeter {
    /** Shorter windows are too noisy to act on; the sample is then kept for the next one. */
    static final long MIN_WINDOW_NANOS = 800_000_000L;

    /**
     * @param busyCpus          CPU-seconds used per second over the window
     * @param busyFraction      {@code busyCpus} against the VM's CPU allocation ({@code cpus.use}), 0 to 1
     * @param throttledFraction share of the window the CPU quota held the VM back, 0 to 1 (0 without a quota)
     * @param windowMillis      the window's length
     * @param atEpochMillis     when the window ended
     */
    public record Reading(double busyCpus, double busyFraction, double throttledFraction, long windowMillis,
                          long atEpochMillis) {
    }

    private long lastAtNanos;
    private CpuUsage last;
    private volatile Reading reading;

    /** Feeds one look at the VM's CPU time; returns the newest reading (null until two looks). */
    public Reading sample(long nowNanos, long nowEpochMillis, CpuUsage usage, long cpuUseMillis) {
        if (usage == null) {
            return reading;
        }
        if (last == null || usage.usageNanos() < last.usageNanos()) {
            // First look, or a new QEMU (its counter started again).
            last = usage;
            lastAtNanos = nowNanos;
            return reading;
        }
        long window = nowNanos - lastAtNanos;
        if (window < MIN_WINDOW_NANOS) {
            return reading;
        }
        double busy = (usage.usageNanos() - last.usageNanos()) / (double) window;
        double throttled = Math.max(0, usage.throttledNanos() - last.throttledNanos()) / (double) window;
        double allocation = Math.max(1, cpuUseMillis) / 1000.0;
        reading = new Reading(busy, Math.min(1, busy / allocation), Math.min(1, throttled), window / 1_000_000,
                nowEpochMillis);
        last = usage;
        lastAtNanos = nowNanos;
        return reading;
    }

    /** The newest reading, from any thread; null until there is one. */
    public Reading reading() {
        return reading;
    }

    /** A new QEMU: the old counter means nothing any more. */
    public void reset() {
        last = null;
        reading = null;
    }
}
