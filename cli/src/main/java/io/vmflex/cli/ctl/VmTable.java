package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns VM objects into the rows of {@code vmctl get vms}. Columns read the status the daemon
 * observed, never the spec: what the VM has, not what was asked. Stateless.
 */
final class VmTable {

    private static final List<String> COLUMNS = List.of("NAME", "CPUS", "MEMORY", "NODE", "STATUS", "RESTARTS", "AGE");
    private static final List<String> WIDE_COLUMNS = List.of("ACCEL", "PID", "GUEST-CPUS", "GUEST-MEMORY", "GOAL", "PERMIT");

    /** Column widths of a watch, which cannot know the rows to come: room for typical values. */
    private static final int[] WATCH_WIDTHS = {20, 6, 8, 12, 12, 8, 6, 6, 8, 10, 12, 10, 10};
    private static final int STATUS = 4;

    private VmTable() {
    }

    static String watchHeader(boolean wide) {
        return TablePrinter.line(wide ? allColumns() : COLUMNS, WATCH_WIDTHS);
    }

    /** A watch's line for a VM; a deleted one shows STATUS Deleted. */
    static String watchLine(JsonNode vm, boolean deleted, boolean wide, Instant now) {
        List<String> cells = row(vm, wide, now, null);
        if (deleted) {
            cells.set(STATUS, "Deleted");
        }
        return TablePrinter.line(cells, WATCH_WIDTHS);
    }

    private static List<String> allColumns() {
        List<String> all = new ArrayList<>(COLUMNS);
        all.addAll(WIDE_COLUMNS);
        return all;
    }

    /** @param autoscaling the agent's views by VM name (empty when no agent runs) */
    static TablePrinter table(List<JsonNode> vms, boolean wide, Instant now, Map<String, JsonNode> autoscaling) {
        List<String> headers = new ArrayList<>(COLUMNS);
        if (wide) {
            headers.addAll(WIDE_COLUMNS);
        }
        TablePrinter table = new TablePrinter(headers);
        for (JsonNode vm : vms) {
            table.row(row(vm, wide, now, autoscaling.get(vm.path("metadata").path("name").asText())));
        }
        return table;
    }

    /** @param autoscaling the agent's view of this VM, null when it has none */
    static List<String> row(JsonNode vm, boolean wide, Instant now, JsonNode autoscaling) {
        JsonNode status = vm.path("status");
        List<String> cells = new ArrayList<>(List.of(
                orNone(Json.text(vm, "/metadata/name")),
                orNone(Quantities.cpu(status.path("cpus"))),
                orNone(Quantities.memory(status.path("memorySize"))),
                orNone(Json.text(status, "/node")),
                orNone(Json.text(status, "/phase")),
                status.path("restartCount").asText("0"),
                AgeFormatter.since(Json.text(vm, "/metadata/creationTimestamp"), now)));
        if (wide) {
            cells.add(orNone(Json.text(status, "/accel")));
            cells.add(orNone(Json.text(status, "/pid")));
            cells.add(orNone(Json.text(status, "/guest/cpusOnline")));
            cells.add(orNone(Quantities.memory(status.path("guest").path("memoryTotal"))));
            cells.add(autoscaling == null ? "<none>" : compact(autoscaling.path("goal")));
            cells.add(autoscaling == null ? "<none>" : compact(autoscaling.path("permit")));
        }
        return cells;
    }

    /** {@code 500m/2Gi}. */
    private static String compact(JsonNode amount) {
        return amount.isObject() ? amount.path("cpu").asText("?") + "/" + amount.path("mem").asText("?") : "<none>";
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? "<none>" : value;
    }
}
