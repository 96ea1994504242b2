package io.vmflex.vmm.guest;

/**
 * A token bucket: {@code ratePerSecond} tokens flow in up to {@code burst}; taking more than are
 * there fails and takes nothing. Time comes in as nanoseconds from a {@link GuestClock}, so tests
 * move it by hand.
 *
 * <p>Not threadsafe: the channel's reader thread owns it.
 */
final class TokenBucket {
    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long last;

    TokenBucket(double ratePerSecond, double burst, long nowNanos) {
        if (!(ratePerSecond > 0) || !(burst >= 1)) {
            throw new IllegalArgumentException("need rate > 0 and burst >= 1: " + ratePerSecond + ", " + burst);
        }
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.last = nowNanos;
    }

    boolean tryTake(double n, long nowNanos) {
        if (nowNanos > last) {
            tokens = Math.min(burst, tokens + (nowNanos - last) * ratePerNano);
            last = nowNanos;
        }
        if (tokens >= n) {
            tokens -= n;
            return true;
        }
        return false;
    }
}
