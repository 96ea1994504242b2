package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number of bytes written as a Kubernetes quantity: {@code "128Mi"}, {@code "1Gi"},
 * {@code "512M"}, {@code "1e3"}, {@code "1.5Gi"}, or a plain number.
 *
 * <p>Fractional bytes round up, as Kubernetes' {@code Quantity.Value()} does. Negative amounts are
 * rejected (every quantity in the spec is a size). Two quantities are equal when they hold the
 * same number of bytes, whatever their spelling; the written form is canonical: the shortest of
 * the exact binary-suffix and decimal-suffix spellings, binary on a tie ({@code "1Gi"},
 * {@code "128Mi"}, {@code "512M"}, {@code "1000"} becomes {@code "1k"}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param bytes the amount, never negative
 */
@JsonDeserialize(using = ByteQuantity.Deserializer.class)
public record ByteQuantity(long bytes) implements Comparable<ByteQuantity> {

    public static final long KI = 1024L;
    public static final long MI = KI * 1024;
    public static final long GI = MI * 1024;

    /** Describes the accepted forms, for error messages. */
    public static final String EXPECTED = "a quantity such as \"1Gi\", \"512M\" or a number of bytes";

    private static final Pattern QUANTITY = Pattern.compile(
            "([+-]?)([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:([KMGTPE]i)|([numkMGTPE])|[eE]([+-]?[0-9]+))?");
    private static final String BINARY = "KMGTPE";
    private static final String DECIMAL = "kMGTPE";

    public ByteQuantity {
        if (bytes < 0) {
            throw new IllegalArgumentException("quantity must not be negative: " + bytes);
        }
    }

    public static ByteQuantity ofBytes(long bytes) {
        return new ByteQuantity(bytes);
    }

    public static ByteQuantity ofMebibytes(long mib) {
        return new ByteQuantity(Math.multiplyExact(mib, MI));
    }

    public static ByteQuantity ofGibibytes(long gib) {
        return new ByteQuantity(Math.multiplyExact(gib, GI));
    }

    /**
     * Parses a Kubernetes quantity string.
     *
     * @throws IllegalArgumentException naming the rejected text
     */
    public static ByteQuantity parse(String text) {
        Matcher m = QUANTITY.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected " + EXPECTED + ", got \"" + text + "\"");
        }
        BigDecimal value = new BigDecimal(m.group(2).startsWith(".") ? "0" + m.group(2) : m.group(2));
        if (m.group(3) != null) {
            int power = BINARY.indexOf(m.group(3).charAt(0)) + 1;
            value = value.multiply(BigDecimal.valueOf(2).pow(10 * power));
        } else if (m.group(4) != null) {
            value = value.scaleByPowerOfTen(decimalExponent(m.group(4).charAt(0)));
        } else if (m.group(5) != null) {
            int exponent;
            try {
                exponent = Integer.parseInt(m.group(5));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("quantity exponent out of range: \"" + text + "\"");
            }
            if (Math.abs(exponent) > 30) {
                throw new IllegalArgumentException("quantity exponent out of range: \"" + text + "\"");
            }
            value = value.scaleByPowerOfTen(exponent);
        }
        if (m.group(1).equals("-") && value.signum() != 0) {
            throw new IllegalArgumentException("quantity must not be negative, got \"" + text + "\"");
        }
        return fromDecimal(value, text);
    }

    /** From a decimal number of bytes; rounds up to a whole byte. */
    public static ByteQuantity fromDecimal(BigDecimal bytes, String original) {
        if (bytes.signum() < 0) {
            throw new IllegalArgumentException("quantity must not be negative, got " + original);
        }
        BigDecimal whole = bytes.setScale(0, RoundingMode.CEILING);
        if (whole.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("quantity too large: " + original);
        }
        return new ByteQuantity(whole.longValueExact());
    }

    private static int decimalExponent(char suffix) {
        return switch (suffix) {
            case 'n' -> -9;
            case 'u' -> -6;
            case 'm' -> -3;
            default -> 3 * (DECIMAL.indexOf(suffix) + 1);
        };
    }

    public ByteQuantity times(long factor) {
        return new ByteQuantity(Math.multiplyExact(bytes, factor));
    }

    public ByteQuantity plus(ByteQuantity other) {
        return new ByteQuantity(Math.addExact(bytes, other.bytes));
    }

    public long mebibytes() {
        return bytes / MI;
    }

    @Override
    public int compareTo(ByteQuantity other) {
        return Long.compare(bytes, other.bytes);
    }

    /** The canonical wire form, always a string (Kubernetes writes quantities as strings). */
    @JsonValue
    @Override
    public String toString() {
        if (bytes == 0) {
            return "0";
        }
        String binary = Long.toString(bytes);
        long mantissa = bytes;
        for (int i = 0; i < BINARY.length() && mantissa % 1024 == 0; i++) {
            mantissa /= 1024;
            binary = mantissa + BINARY.substring(i, i + 1) + "i";
        }
        String decimal = Long.toString(bytes);
        mantissa = bytes;
        for (int i = 0; i < DECIMAL.length() && mantissa % 1000 == 0; i++) {
            mantissa /= 1000;
            decimal = mantissa + DECIMAL.substring(i, i + 1);
        }
        return decimal.length() < binary.length() ? decimal : binary;
    }

    /** Strict token-type-aware reader; booleans, objects and arrays are rejected. */
    static final class Deserializer extends QuantityDeserializer<ByteQuantity> {
        Deserializer() {
            super(ByteQuantity.class);
        }

        @Override
        ByteQuantity fromNumber(BigDecimal value, String text) {
            return fromDecimal(value, text);
        }

        @Override
        ByteQuantity fromString(String text) {
            return parse(text);
        }
    }
}
