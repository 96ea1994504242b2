package io.vmflex.api.permit;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An amount of CPU and memory on the permit wire: thousandths of a vCPU and bytes, the units of a
 * VM's spec ({@code MilliCpu}, {@code ByteQuantity}). Exact integers rather than compute units,
 * because the compute unit differs per VM and per node: a count of units would mean different
 * things to the two sides the moment one of them changes its unit.
 *
 * <p>Immutable and thread-safe.
 *
 * @param cpuMillis vCPUs in thousandths, 0 to {@link #MAX_CPU_MILLIS}
 * @param memBytes  memory in bytes, 0 to {@link #MAX_MEM_BYTES}
 */
public record ResourceAmount(
        @JsonProperty(required = true) long cpuMillis,
        @JsonProperty(required = true) long memBytes) {

    /** 10,000 vCPUs: more than any node has; anything above is a broken or hostile sender. */
    public static final long MAX_CPU_MILLIS = 10_000_000L;
    /** 64 TiB: more than any node has. */
    public static final long MAX_MEM_BYTES = 64L << 40;

    public static final ResourceAmount ZERO = new ResourceAmount(0, 0);

    public ResourceAmount {
        Fields.range(cpuMillis, 0, MAX_CPU_MILLIS, "cpuMillis");
        Fields.range(memBytes, 0, MAX_MEM_BYTES, "memBytes");
    }

    /** Whether both amounts are at most {@code other}'s. */
    public boolean fitsIn(ResourceAmount other) {
        return cpuMillis <= other.cpuMillis && memBytes <= other.memBytes;
    }

    /** For messages: {@code 1250m CPU, 2048 MiB}. */
    public String describe() {
        return cpuMillis + "m CPU, " + (memBytes >> 20) + " MiB";
    }
}
