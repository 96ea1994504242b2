package io.vmflex.agent.core;

/**
 * How many tasks are runnable in the guest now, read back out of its one-minute load average. The
 * kernel updates that average every 5 s as {@code load = load × e^(-5/60) + n × (1 - e^(-5/60))},
 * where {@code n} is the number of runnable (and uninterruptible) tasks at that moment; two
 * successive values therefore give {@code n}, within 5 s of a change instead of the minute the average
 * takes to follow it. It is the guest's own count, so it is not fooled when a crowded host hands the
 * VM less CPU than it wants (the host-measured busy share then drops though the work has not).
 * Immutable.
 *
 * @param load1      the last load average seen, NaN before any
 * @param changedAtMs when it last changed
 * @param runnable   the estimate, NaN until the average has changed once or stayed put for an update
 */
public record LoadTracker(double load1, long changedAtMs, double runnable) {

    /** Nothing seen yet. */
    public static final LoadTracker NONE = new LoadTracker(Double.NaN, 0, Double.NaN);

    /** The kernel's decay factor per 5-second update of the 1-minute average. */
    static final double DECAY = Math.exp(-5.0 / 60.0);
    /** A little over the kernel's update interval (5 s plus a tick). */
    static final long UPDATE_MS = 5_500;

    /** The tracker after a sample of the guest's {@code load1} at {@code nowMs}. */
    LoadTracker seen(double load, long nowMs) {
        if (!Double.isFinite(load) || load < 0) {
            return this;
        }
        if (Double.isNaN(load1)) {
            return new LoadTracker(load, nowMs, Double.NaN);
        }
        if (load != load1) {
            // One update between the two values (they change at most every 5 s and the guest reports every second).
            return new LoadTracker(load, nowMs, Math.max(0, (load - load1 * DECAY) / (1 - DECAY)));
        }
        // Unchanged through an update: as many tasks as the average says (to its two decimals).
        return nowMs - changedAtMs >= UPDATE_MS ? new LoadTracker(load1, changedAtMs, load) : this;
    }
}
