package io.vmflex.api.permit;

import java.util.regex.Pattern;

/**
 * Range checks shared by the permit records' constructors. Each failure is an
 * {@link InvalidPermitMessageException} naming the field relative to the record being built; the
 * codec prefixes the path of that record. Stateless.
 */
final class Fields {

    /** A Kubernetes-style name, optionally {@code namespace/name}. */
    private static final Pattern NAME = Pattern.compile(
            "([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    static final int MAX_NAME = 253;

    private Fields() {
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw new InvalidPermitMessageException(field, "required");
        }
        return value;
    }

    static String name(String value, String field) {
        required(value, field);
        if (value.length() > MAX_NAME || !NAME.matcher(value).matches()) {
            throw new InvalidPermitMessageException(field, "expected a name of at most " + MAX_NAME
                    + " characters [a-z0-9.-] (optionally namespace/name), got " + quote(value));
        }
        return value;
    }

    static long range(long value, long min, long max, String field) {
        if (value < min || value > max) {
            throw new InvalidPermitMessageException(field, "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    static double range(double value, double min, double max, String field) {
        if (!(value >= min && value <= max)) {
            throw new InvalidPermitMessageException(field, "must be a finite number between " + min + " and " + max
                    + ", got " + value);
        }
        return value;
    }

    static InvalidPermitMessageException nested(String prefix, InvalidPermitMessageException e) {
        String field = prefix.isEmpty() ? e.field() : e.field().isEmpty() ? prefix : prefix + "." + e.field();
        return new InvalidPermitMessageException(field, e.detail(), e);
    }

    static String quote(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return '"' + cut.replace("\n", "\\n") + '"';
    }
}
