package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Reads and writes Kubernetes-style quantities: bytes as {@code 256Mi} / {@code 1Gi}, CPUs as
 * {@code 2} / {@code 250m}. Stateless.
 */
final class Quantities {

    private static final String[] BINARY_SUFFIXES = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    private Quantities() {
    }

    /** Bytes in the largest binary unit that divides them exactly: 268435456 → {@code 256Mi}. */
    static String bytes(long bytes) {
        if (bytes == 0) {
            return "0";
        }
        long value = bytes;
        int unit = -1;
        while (unit + 1 < BINARY_SUFFIXES.length && value % 1024 == 0) {
            value /= 1024;
            unit++;
        }
        return unit < 0 ? Long.toString(bytes) : value + BINARY_SUFFIXES[unit];
    }

    /** A memory value as the server sent it: a number of bytes is shortened, a quantity kept. */
    static String memory(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return bytes(node.asLong());
        }
        String text = node.asText();
        return text.matches("\\d{1,18}") ? bytes(Long.parseLong(text)) : text;
    }

    /** A CPU amount as the server sent it (number or quantity), written as {@code 2} or {@code 250m}. */
    static String cpu(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        try {
            return formatMillis(node.isNumber() ? toMillis(node.decimalValue()) : parseCpuMillis(node.asText()));
        } catch (IllegalArgumentException e) {
            return node.asText(); // show what the server said rather than nothing
        }
    }

    static String formatMillis(long millis) {
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : millis + "m";
    }

    /** Parses {@code 2}, {@code 0.5} or {@code 250m} to millicores. */
    static long parseCpuMillis(String text) {
        String t = text.strip();
        try {
            if (t.endsWith("m")) {
                return Long.parseLong(t.substring(0, t.length() - 1));
            }
            return toMillis(new BigDecimal(t));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a CPU amount: '" + text + "' (use e.g. 2, 0.5 or 250m)");
        }
    }

    /** Millicores as the JSON value written into a spec: whole CPUs as integers ({@code 2}), else a decimal ({@code 0.25}). */
    static JsonNode millisToCpus(long millis) {
        return millis % 1000 == 0
                ? LongNode.valueOf(millis / 1000)
                : DecimalNode.valueOf(BigDecimal.valueOf(millis, 3).stripTrailingZeros());
    }

    /** Parses a byte quantity: {@code 1Gi}, {@code 512Mi}, {@code 1G}, {@code 1048576}. */
    static long parseBytes(String text) {
        String t = text.strip();
        int split = t.length();
        while (split > 0 && Character.isLetter(t.charAt(split - 1))) {
            split--;
        }
        String suffix = t.substring(split);
        long multiplier = switch (suffix) {
            case "" -> 1L;
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "Pi" -> 1L << 50;
            case "Ei" -> 1L << 60;
            case "k" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            case "T" -> 1_000_000_000_000L;
            default -> throw new IllegalArgumentException("not a byte quantity: '" + text + "'");
        };
        try {
            return new BigDecimal(t.substring(0, split)).multiply(BigDecimal.valueOf(multiplier))
                    .setScale(0, RoundingMode.UNNECESSARY).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a byte quantity: '" + text + "'");
        }
    }

    private static long toMillis(BigDecimal cpus) {
        return cpus.movePointRight(3).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
    }
}
