package io.vmflex.scheduler.core;

import io.vmflex.api.permit.ResourceAmount;

/**
 * An amount of CPU (thousandths of a vCPU) and memory (bytes) in the scheduler's books. Unlike
 * the wire's {@link ResourceAmount} it has no upper bound, because sums over a node (or over a
 * node that reported more than it can hold) may pass any per-VM limit. Immutable.
 */
public record Amount(long cpuMillis, long memBytes) {

    public static final Amount ZERO = new Amount(0, 0);

    public Amount {
        if (cpuMillis < 0 || memBytes < 0) {
            throw new IllegalArgumentException("amount must not be negative: " + cpuMillis + "m CPU, " + memBytes + " bytes");
        }
    }

    public static Amount of(ResourceAmount wire) {
        return new Amount(wire.cpuMillis(), wire.memBytes());
    }

    public boolean fitsIn(Amount other) {
        return cpuMillis <= other.cpuMillis && memBytes <= other.memBytes;
    }

    /** For one-line reasons: {@code 1250m CPU, 2048 MiB}. */
    public String describe() {
        return cpuMillis + "m CPU, " + (memBytes >> 20) + " MiB";
    }
}
