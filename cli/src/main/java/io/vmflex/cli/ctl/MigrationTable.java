package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.client.AdminClient;
import io.vmflex.client.ApiPaths;

import java.util.List;

/** {@code vmctl get migrations [ID]}: the daemon's recent migrations as a table, or JSON/YAML. */
final class MigrationTable {
    private MigrationTable() {
    }

    static int print(VmctlCommand root, String id, String output) {
        JsonNode answer;
        try (AdminClient client = root.client()) {
            String path = id == null ? "/v1/migrations" : "/v1/migrations/" + ApiPaths.segment(id);
            answer = Json.parse(client.request("GET", path, null, null).requireSuccess().body());
        }
        if ("json".equals(output)) {
            root.out().println(Json.pretty(answer));
            return 0;
        }
        if ("yaml".equals(output)) {
            root.out().print(Json.yaml(answer));
            return 0;
        }
        TablePrinter t = new TablePrinter(List.of("ID", "VM", "TARGET", "PHASE", "PROGRESS", "TRANSFERRED", "RATE",
                "DIRTY-RATE", "EXP-DOWNTIME", "DOWNTIME", "PAUSED", "TOTAL", "ENCRYPTION", "MESSAGE"));
        Iterable<JsonNode> rows = id == null ? answer.path("items") : List.of(answer);
        for (JsonNode m : rows) {
            String reason = m.path("reason").asText("");
            t.row(List.of(m.path("id").asText(), m.path("vm").asText(), m.path("target").asText(),
                    m.path("phase").asText() + (reason.isEmpty() ? "" : "(" + reason + ")"),
                    MigrationProgress.percent(m) + "%", Quantities.bytes(m.path("transferredBytes").asLong()),
                    Quantities.bytes(m.path("rateBytesPerSecond").asLong()) + "/s",
                    Quantities.bytes(m.path("dirtyRateBytesPerSecond").asLong()) + "/s",
                    m.path("expectedDowntimeMs").asLong() + "ms", m.path("downtimeMs").asLong() + "ms",
                    m.path("switchoverMs").asLong() + "ms", m.path("totalMs").asLong() + "ms", m.path("encryption").asText("?"), m.path("message").asText("")));
        }
        t.print(root.out());
        root.out().flush();
        return 0;
    }
}
