package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Formats daemon events ({@code {"time","type","reason","vm","message"}}) as
 * {@code TIME TYPE REASON VM MESSAGE}: aligned in a table for a list, fixed-width lines for a
 * watch (which cannot know the widths of events yet to come). Stateless.
 */
final class EventFormatter {

    static final List<String> HEADERS = List.of("TIME", "TYPE", "REASON", "VM", "MESSAGE");
    private static final String LINE_FORMAT = "%-20s   %-7s   %-18s   %-16s   %s";

    private EventFormatter() {
    }

    static List<String> cells(JsonNode event) {
        return List.of(
                time(Json.text(event, "/time")),
                orNone(Json.text(event, "/type")),
                orNone(Json.text(event, "/reason")),
                orNone(Json.text(event, "/vm")),
                orNone(Json.text(event, "/message")).replaceAll("[\\r\\n]+", " "));
    }

    static String header() {
        return String.format(LINE_FORMAT, HEADERS.toArray()).stripTrailing();
    }

    static String line(JsonNode event) {
        return String.format(LINE_FORMAT, cells(event).toArray()).stripTrailing();
    }

    static TablePrinter table(List<JsonNode> events) {
        TablePrinter table = new TablePrinter(HEADERS);
        events.forEach(event -> table.row(cells(event)));
        return table;
    }

    /** Whether an event concerns {@code vm}; a null filter matches all. */
    static boolean matches(JsonNode event, String vm) {
        return vm == null || vm.equals(Json.text(event, "/vm"));
    }

    /** UTC to the second: the sub-second part is noise on a terminal. */
    static String time(String timestamp) {
        if (timestamp == null) {
            return "<unknown>";
        }
        try {
            return Instant.parse(timestamp).truncatedTo(ChronoUnit.SECONDS).toString();
        } catch (DateTimeParseException e) {
            return timestamp;
        }
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? "<none>" : value;
    }
}
