package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.cli.client.AdminClient;
import io.vmflex.cli.client.ApiPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code vmctl migrate vm NAME --to HOST:PORT [--wait]}: live-migrates a VM to the daemon listening
 * for migrations at HOST:PORT. Without {@code --wait} it prints the migration id and returns; with
 * it, it waits and prints the outcome (exit 1 when the migration failed and the VM stayed).
 */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Live-migrate a VM to another node's daemon.")
final class MigrateCommand implements Callable<Integer> {
    private final VmctlCommand root;

    @Parameters(index = "0", paramLabel = "TYPE", description = "vm")
    private String type;

    @Parameters(index = "1", paramLabel = "NAME", description = "VM name")
    private String name;

    @Option(names = "--to", required = true, paramLabel = "HOST:PORT", description = "The target daemon's migration address.")
    private String target;

    @Option(names = "--wait", description = "Wait until the migration ends and print how it went.")
    private boolean await;

    @Option(names = "--downtime-limit", paramLabel = "MS", defaultValue = "300", description = "Max downtime (default ${DEFAULT-VALUE} ms).")
    private long downtimeMs;

    @Option(names = "--max-bandwidth", paramLabel = "MBPS", defaultValue = "10000", description = "Max bandwidth (default ${DEFAULT-VALUE} Mbit/s).")
    private long bandwidthMbps;

    @Option(names = "--multifd", paramLabel = "N", defaultValue = "1",
            description = "Migration channels: 1 = one stream (default), N >= 2 = multifd with N channels.")
    private int multifdChannels;

    MigrateCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        if (!ResourceArgs.isVmType(type)) {
            throw new CliException("migrate supports only vm, got '" + type + "'");
        }
        ObjectNode body = Json.JSON.createObjectNode();
        body.put("target", target);
        body.put("downtimeLimitMs", downtimeMs);
        body.put("maxBandwidthMbps", bandwidthMbps);
        body.put("multifdChannels", multifdChannels);
        JsonNode m;
        try (AdminClient client = await ? root.client(Duration.ofMinutes(30)) : root.client()) {
            m = Json.parse(client.request("POST", ApiPaths.vm(name) + "/migrate" + (await ? "?wait=true" : ""),
                    "application/json", body.toString().getBytes(StandardCharsets.UTF_8)).requireSuccess().body());
        }
        String phase = m.path("phase").asText();
        if (!await) {
            root.out().println("migration " + m.path("id").asText() + " of " + name + " to " + target + ": " + phase
                    + " (vmctl get migrations " + m.path("id").asText() + ")");
            return 0;
        }
        root.out().printf("migration %s of %s to %s: %s — %s transferred, downtime %d ms, total %d ms%s%n",
                m.path("id").asText(), name, target, phase, Quantities.bytes(m.path("transferredBytes").asLong()),
                m.path("downtimeMs").asLong(), m.path("totalMs").asLong(),
                m.path("message").asText("").isEmpty() ? "" : " (" + m.path("message").asText() + ")");
        return "Completed".equals(phase) ? 0 : 1;
    }
}
