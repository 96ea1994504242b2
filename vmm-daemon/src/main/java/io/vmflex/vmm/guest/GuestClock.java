package io.vmflex.vmm.guest;

import java.time.Instant;

/**
 * Time as the guest channel's rate limits, backoffs and timestamps see it: a monotonic nanosecond
 * counter for intervals and a wall clock for what is reported. Tests pass a hand-moved clock so
 * that rate limits can be checked without sleeping.
 *
 * <p>Implementations must be thread-safe.
 */
public interface GuestClock {
    /** Monotonic nanoseconds, for intervals only (as {@link System#nanoTime()}). */
    long nanoTime();

    /** Wall-clock time, for timestamps in states and metrics. */
    Instant now();

    /** The JVM's clocks. */
    static GuestClock system() {
        return SystemClock.INSTANCE;
    }

    /** Package-private singleton behind {@link #system()}. */
    enum SystemClock implements GuestClock {
        INSTANCE;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    }
}
