package io.vmflex.vmm.guest;

/**
 * Counts events in a sliding time window and says when there were more than {@code max} of them
 * within {@code windowNanos}. Keeps only the last {@code max} timestamps, so its memory is fixed
 * however many events arrive.
 *
 * <p>Not threadsafe: the channel's reader thread owns it.
 */
final class ErrorWindow {
    private final long[] times;
    private final long windowNanos;
    private int count;
    private int oldest;

    ErrorWindow(int max, long windowNanos) {
        if (max < 1 || windowNanos <= 0) {
            throw new IllegalArgumentException("need max >= 1 and a positive window");
        }
        this.times = new long[max];
        this.windowNanos = windowNanos;
    }

    /** Records one event; true if it is more than {@code max} within the window. */
    boolean recordAndExceeded(long nowNanos) {
        if (count < times.length) {
            times[(oldest + count) % times.length] = nowNanos;
            count++;
            return false;
        }
        boolean exceeded = nowNanos - times[oldest] < windowNanos;
        times[oldest] = nowNanos;
        oldest = (oldest + 1) % times.length;
        return exceeded;
    }
}
