package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * An amount of CPU in thousandths of a vCPU, as NeonVM's {@code MilliCPU}: {@code 1} is 1000,
 * {@code 0.25} and {@code "250m"} are 250.
 *
 * <p>Accepted on the wire: a non-negative JSON integer or decimal number, or a string of digits with
 * an optional decimal fraction ({@code "1"}, {@code "1.5"}) or a milli suffix ({@code "250m"}).
 * Fractions finer than a milli-CPU round up, as Kubernetes' {@code Quantity.MilliValue} does.
 * Written back as a JSON integer when whole (older readers expect a number) and as
 * {@code "NNNm"} otherwise.
 *
 * <p>Immutable and thread-safe.
 *
 * @param millis thousandths of a vCPU, 0 to 2^32-1 (NeonVM's value is a uint32)
 */
@JsonDeserialize(using = MilliCpu.Deserializer.class)
public record MilliCpu(long millis) implements Comparable<MilliCpu> {

    /** Largest value NeonVM can represent. */
    public static final long MAX_MILLIS = 0xFFFF_FFFFL;

    /** Describes the accepted forms, for error messages. */
    public static final String EXPECTED = "a CPU amount such as 1, 0.5 or \"250m\"";

    private static final Pattern DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]*)?");
    private static final Pattern MILLIS = Pattern.compile("([0-9]+)m");
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    public MilliCpu {
        if (millis < 0 || millis > MAX_MILLIS) {
            throw new IllegalArgumentException("CPU amount out of range: " + millis + "m");
        }
    }

    /** Whole vCPUs. */
    public static MilliCpu ofCpus(long cpus) {
        if (cpus < 0 || cpus > MAX_MILLIS / 1000) {
            throw new IllegalArgumentException("CPU amount out of range: " + cpus);
        }
        return new MilliCpu(cpus * 1000);
    }

    /**
     * Parses the string forms ({@code "2"}, {@code "0.5"}, {@code "250m"}).
     *
     * @throws IllegalArgumentException naming the rejected text
     */
    public static MilliCpu parse(String text) {
        var milli = MILLIS.matcher(text);
        if (milli.matches()) {
            return fromDecimal(new BigDecimal(milli.group(1)).movePointLeft(3), text);
        }
        if (DECIMAL.matcher(text).matches()) {
            return fromDecimal(new BigDecimal(text), text);
        }
        throw new IllegalArgumentException("expected " + EXPECTED + ", got \"" + text + "\"");
    }

    /** From a number of vCPUs given as a decimal; rounds up to a whole milli-CPU. */
    public static MilliCpu fromDecimal(BigDecimal cpus, String original) {
        if (cpus.signum() < 0) {
            throw new IllegalArgumentException("CPU amount must not be negative, got " + original);
        }
        BigDecimal millis = cpus.multiply(THOUSAND).setScale(0, RoundingMode.CEILING);
        if (millis.compareTo(BigDecimal.valueOf(MAX_MILLIS)) > 0) {
            throw new IllegalArgumentException("CPU amount too large: " + original);
        }
        return new MilliCpu(millis.longValueExact());
    }

    /** Smallest whole number of vCPUs that holds this amount (QEMU needs whole vCPUs). */
    public long ceilCpus() {
        return (millis + 999) / 1000;
    }

    /** vCPUs as a floating-point number, for metrics and display. */
    public double asDouble() {
        return millis / 1000.0;
    }

    public boolean isWhole() {
        return millis % 1000 == 0;
    }

    /** The wire form: a whole number as an {@link Integer} (always fits), others as {@code "NNNm"}. */
    @JsonValue
    public Object toJson() {
        return isWhole() ? (Object) (int) (millis / 1000) : millis + "m";
    }

    @Override
    public int compareTo(MilliCpu other) {
        return Long.compare(millis, other.millis);
    }

    /** The wire form as text: {@code "2"} or {@code "250m"}. */
    @Override
    public String toString() {
        return isWhole() ? Long.toString(millis / 1000) : millis + "m";
    }

    /** Strict token-type-aware reader; booleans, objects and arrays are rejected. */
    static final class Deserializer extends QuantityDeserializer<MilliCpu> {
        Deserializer() {
            super(MilliCpu.class);
        }

        @Override
        MilliCpu fromNumber(BigDecimal value, String text) {
            return fromDecimal(value, text);
        }

        @Override
        MilliCpu fromString(String text) {
            return parse(text);
        }
    }
}
