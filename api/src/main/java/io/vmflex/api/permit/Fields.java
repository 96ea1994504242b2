package io.vmflex.api.permit;

/**
 * Range checks shared by the permit records' constructors. Each failure is an
 * {@link InvalidPermitMessageException} naming the field relative to the record being built; the
 * codec prefixes the path of that record. Stateless.
 */
final class Fields {

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
        if (value.length() > MAX_NAME || !isName(value)) {
            throw new InvalidPermitMessageException(field, "expected a name of at most " + MAX_NAME
                    + " characters [a-z0-9.-] (optionally namespace/name), got " + quote(value));
        }
        return value;
    }

    /**
     * A Kubernetes-style name, optionally {@code namespace/name}: each part of [a-z0-9.-] (no dot in
     * the namespace), starting and ending with [a-z0-9]. A loop rather than a regular expression
     * because every permit request passes here.
     */
    static boolean isName(String s) {
        int slash = s.indexOf('/');
        if (slash >= 0) {
            return isPart(s, 0, slash, false) && isPart(s, slash + 1, s.length(), true);
        }
        return isPart(s, 0, s.length(), true);
    }

    private static boolean isPart(String s, int from, int to, boolean dots) {
        if (to <= from || !isAlnum(s.charAt(from)) || !isAlnum(s.charAt(to - 1))) {
            return false;
        }
        for (int i = from + 1; i < to - 1; i++) {
            char c = s.charAt(i);
            if (!isAlnum(c) && c != '-' && !(dots && c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
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
