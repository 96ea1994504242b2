package io.vmflex.cli.ctl;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Formats an age the way kubectl's AGE column does: precise when young ({@code 90s},
 * {@code 4m30s}, {@code 2h15m}), coarse when old ({@code 5h}, {@code 4d}, {@code 2y30d}).
 * Stateless.
 */
final class AgeFormatter {

    private AgeFormatter() {
    }

    /** The age of an RFC 3339 timestamp at {@code now}; {@code <unknown>} if absent or unreadable. */
    static String since(String timestamp, Instant now) {
        if (timestamp == null || timestamp.isBlank()) {
            return "<unknown>";
        }
        try {
            return format(Duration.between(OffsetDateTime.parse(timestamp).toInstant(), now));
        } catch (DateTimeParseException e) {
            return "<unknown>";
        }
    }

    static String format(Duration age) {
        long seconds = age.toSeconds();
        if (seconds < -1) {
            return "<invalid>"; // a timestamp clearly in the future: clocks disagree
        }
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 120) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            return withRest(minutes, "m", seconds % 60, "s");
        }
        if (minutes < 180) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            return withRest(hours, "h", minutes % 60, "m");
        }
        if (hours < 48) {
            return hours + "h";
        }
        long days = hours / 24;
        if (days < 8) {
            return withRest(days, "d", hours % 24, "h");
        }
        if (days < 365 * 2) {
            return days + "d";
        }
        long years = days / 365;
        if (years < 8) {
            return withRest(years, "y", days % 365, "d");
        }
        return years + "y";
    }

    private static String withRest(long big, String bigUnit, long rest, String restUnit) {
        return rest == 0 ? big + bigUnit : big + bigUnit + rest + restUnit;
    }
}
