package io.vmflex.vmm.guest;

import java.time.Duration;
import java.util.Objects;

/**
 * Delays that start at {@code initial} and double per call up to {@code max}, until reset.
 *
 * <p>Not threadsafe: the channel's connection thread owns it.
 */
final class ExponentialBackoff {
    private final Duration initial;
    private final Duration max;
    private Duration next;

    ExponentialBackoff(Duration initial, Duration max) {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max: " + initial + ", " + max);
        }
        this.initial = initial;
        this.max = max;
        this.next = initial;
    }

    Duration next() {
        Duration d = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return d;
    }

    /** The delay the next call would return, without consuming it. */
    Duration peek() {
        return next;
    }

    void reset() {
        next = initial;
    }
}
