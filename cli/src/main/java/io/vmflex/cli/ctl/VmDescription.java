package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.validation.FieldSupport;
import io.vmflex.api.validation.Manifests;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code describe} layout of one VM object. Reads NeonVM's field names
 * ({@code spec.guest.cpus}, {@code spec.guest.memorySlots}, {@code spec.guest.memorySlotSize},
 * {@code status.phase/cpus/memorySize/node/restartCount/conditions}) and vmflex's additions
 * ({@code status.pid}, {@code status.accel}, {@code status.guest}, {@code status.migration}). Not thread-safe.
 */
final class VmDescription {

    private final JsonNode vm;
    private final Instant now;

    VmDescription(JsonNode vm, Instant now) {
        this.vm = vm;
        this.now = now;
    }

    /**
     * @param autoscaling the agent's view of the VM, null when there is none
     * @param autoscalingNote why there is none although the VM asks for autoscaling; null when it does not ask
     * @param eventsError why events are missing, or null when {@code events} is the real list
     */
    void print(PrintStream out, JsonNode autoscaling, String autoscalingNote, List<JsonNode> events, String eventsError) {
        JsonNode metadata = vm.path("metadata");
        String created = Json.text(metadata, "/creationTimestamp");
        new KeyValuePrinter("")
                .add("Name", Json.text(metadata, "/name"))
                .add("Labels", labels(metadata.path("labels")))
                .add("Created", created == null ? null : created + " (" + AgeFormatter.since(created, now) + " ago)")
                .print(out);

        JsonNode guest = vm.path("spec").path("guest");
        out.println("Spec:");
        new KeyValuePrinter("  ")
                .add("CPUs", range(guest.path("cpus"), Quantities::cpu))
                .add("Memory slots", memorySlots(guest))
                .print(out);

        List<String> ignored = ignoredFields();
        if (!ignored.isEmpty()) {
            out.println("Ignored fields (accepted for NeonVM compatibility, not used by vmflex):");
            ignored.forEach(f -> out.println("  " + f));
        }

        JsonNode status = vm.path("status");
        out.println("Status:");
        KeyValuePrinter st = new KeyValuePrinter("  ")
                .add("Phase", Json.text(status, "/phase"))
                .add("CPUs", Quantities.cpu(status.path("cpus")))
                .add("Memory", Quantities.memory(status.path("memorySize")))
                .add("Node", Json.text(status, "/node"))
                .add("Restarts", status.path("restartCount").asText("0"))
                .add("PID", Json.text(status, "/pid"))
                .add("Accel", Json.text(status, "/accel"));
        if (status.path("guest").isObject()) {
            st.add("Guest CPUs online", Json.text(status, "/guest/cpusOnline"))
                    .add("Guest memory", Quantities.memory(status.path("guest").path("memoryTotal")));
        }
        st.print(out);

        JsonNode migration = status.path("migration");
        if (migration.isObject()) {
            out.println("Migration:");
            String reason = Json.text(migration, "/reason");
            KeyValuePrinter m = new KeyValuePrinter("  ")
                    .add("ID", Json.text(migration, "/id"))
                    .add("Target", Json.text(migration, "/target"))
                    .add("Phase", Json.text(migration, "/phase") + (reason == null ? "" : " (" + reason + ")"))
                    .add("Transferred", Quantities.bytes(migration.path("transferredBytes").asLong()))
                    .add("Downtime", migration.path("downtimeMs").asLong() + "ms (guest paused "
                            + migration.path("switchoverMs").asLong() + "ms in all)")
                    .add("Total", migration.path("totalMs").asLong() + "ms");
            if (migration.has("encryption")) {
                // "none": the source daemon runs with --migration-encryption off (absent: an older daemon's record).
                m.add("Encryption", Json.text(migration, "/encryption"));
            }
            m.add("Message", Json.text(migration, "/message")).print(out);
        }

        printAutoscaling(out, autoscaling, autoscalingNote);

        JsonNode conditions = status.path("conditions");
        if (conditions.isArray() && !conditions.isEmpty()) {
            out.println("Conditions:");
            TablePrinter table = new TablePrinter("TYPE", "STATUS", "REASON", "LAST TRANSITION", "MESSAGE");
            conditions.forEach(c -> table.row(Json.text(c, "/type"), Json.text(c, "/status"),
                    Json.text(c, "/reason"), Json.text(c, "/lastTransitionTime"), Json.text(c, "/message")));
            table.print(out, "  ");
        } else {
            out.println("Conditions:  <none>");
        }

        if (eventsError != null) {
            out.println("Events:  <unavailable: " + eventsError + ">");
        } else if (events.isEmpty()) {
            out.println("Events:  <none>");
        } else {
            out.println("Events:");
            EventFormatter.table(events).print(out, "  ");
        }
        out.flush();
    }

    private void printAutoscaling(PrintStream out, JsonNode view, String note) {
        if (view == null) {
            if (note != null) {
                out.println("Autoscaling:  <" + note + ">");
            }
            return;
        }
        out.println("Autoscaling:");
        KeyValuePrinter a = new KeyValuePrinter("  ")
                .add("Rules", Json.text(view, "/rules"))
                .add("Bounds", amount(view.path("min")) + " .. " + amount(view.path("max")) + " (unit " + amount(view.path("unit")) + ")")
                .add("Use", amount(view.path("use")))
                .add("Goal", amount(view.path("goal")))
                .add("Permit", amount(view.path("permit")))
                .add("Doing", Json.text(view, "/operation"));
        JsonNode guest = view.path("guest");
        if (guest.isObject()) {
            StringBuilder g = new StringBuilder("load ").append(guest.path("loadAvg1").asText("?"));
            if (guest.has("cpuBusyFraction")) {
                g.append(String.format(", CPU busy %.0f%%", 100 * guest.path("cpuBusyFraction").asDouble()));
            }
            if (guest.has("runnableTasks")) {
                g.append(String.format(", %.1f runnable", guest.path("runnableTasks").asDouble()));
            }
            g.append(", memory used ").append(Quantities.memory(guest.path("memoryUsed")))
                    .append(" (").append(guest.path("ageMs").asLong()).append(" ms old)");
            a.add("Guest", g.toString());
        } else {
            a.add("Guest", "<no fresh metrics: nothing is scaled down>");
        }
        JsonNode last = view.path("lastDecision");
        if (last.isObject()) {
            String at = Json.text(last, "/at");
            a.add("Last decision", Json.text(last, "/reason") + (at == null ? "" : " (" + AgeFormatter.since(at, now) + " ago)")
                    + ": " + Json.text(last, "/message"));
        }
        a.print(out);
    }

    /** {@code 500m / 2Gi} from the API's {@code {"cpu":"500m","mem":"2Gi"}}. */
    static String amount(JsonNode a) {
        if (!a.isObject()) {
            return "<none>";
        }
        return a.path("cpu").asText("?") + " CPU / " + a.path("mem").asText("?");
    }

    /** What vmflex ignores of this VM's spec; nothing when the object does not read as a VM. */
    private List<String> ignoredFields() {
        try {
            return FieldSupport.ignored(Manifests.fromTree(vm));
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static String labels(JsonNode labels) {
        if (!labels.isObject() || labels.isEmpty()) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : labels.properties()) {
            lines.add(e.getKey() + "=" + e.getValue().asText());
        }
        return String.join("\n", lines);
    }

    private static String range(JsonNode node, Function<JsonNode, String> format) {
        if (!node.isObject()) {
            return null;
        }
        return "min " + orNone(format.apply(node.path("min")))
                + ", use " + orNone(format.apply(node.path("use")))
                + ", max " + orNone(format.apply(node.path("max")));
    }

    private static String memorySlots(JsonNode guest) {
        String slots = range(guest.path("memorySlots"), n -> n.isMissingNode() || n.isNull() ? null : n.asText());
        if (slots == null) {
            return null;
        }
        String slotSize = Quantities.memory(guest.path("memorySlotSize"));
        if (slotSize == null) {
            return slots;
        }
        StringBuilder text = new StringBuilder(slots).append(" × ").append(slotSize);
        try {
            long slotBytes = Quantities.parseBytes(slotSize);
            JsonNode ms = guest.path("memorySlots");
            if (ms.path("use").canConvertToLong() && ms.path("max").canConvertToLong()
                    && ms.path("use").isNumber() && ms.path("max").isNumber()) {
                text.append(" (use ").append(Quantities.bytes(ms.path("use").asLong() * slotBytes))
                        .append(", max ").append(Quantities.bytes(ms.path("max").asLong() * slotBytes)).append(')');
            }
        } catch (IllegalArgumentException e) {
            // an unusual slot size: show it as given, without totals
        }
        return text.toString();
    }

    private static String orNone(String s) {
        return s == null ? "<none>" : s;
    }
}
