package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.client.AdminClient;
import io.vmflex.client.ApiPaths;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vmctl top vm NAME}: what the guest monitor last reported (CPUs online, memory, load,
 * pressure) and the state of its channel, from {@code GET /v1/vms/NAME/metrics}. Not thread-safe.
 */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = "Show the guest monitor's last report of a VM (CPUs online, memory, load, pressure).")
final class TopCommand implements Callable<Integer> {
    private final VmctlCommand root;

    @Parameters(index = "0", paramLabel = "TYPE", description = "vm")
    private String type;

    @Parameters(index = "1", paramLabel = "NAME", description = "VM name")
    private String name;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json for the raw answer.")
    private String output;

    TopCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        if (!ResourceArgs.isVmType(type)) {
            throw new CliException("top supports only vm, got '" + type + "'");
        }
        JsonNode m;
        try (AdminClient client = root.client()) {
            m = Json.parse(client.request("GET", ApiPaths.vm(name) + "/metrics", null, null).requireSuccess().body());
        }
        if ("json".equals(output)) {
            root.out().println(Json.pretty(m));
            return 0;
        }
        JsonNode x = m.path("metrics");
        KeyValuePrinter kv = new KeyValuePrinter("");
        kv.add("VM", name)
                .add("Channel", m.path("channel").asText())
                .add("Last report", m.path("receivedAt").asText("<none>"));
        if (!x.isMissingNode()) {
            long total = x.path("memTotalBytes").asLong();
            long avail = x.path("memAvailableBytes").asLong();
            kv.add("CPUs online", x.path("cpusOnline").asText())
                    .add("Load (1/5/15m)", x.path("loadAvg1").asText() + " / " + x.path("loadAvg5").asText() + " / " + x.path("loadAvg15").asText())
                    .add("Memory used/total", Quantities.bytes(total - avail) + " / " + Quantities.bytes(total))
                    .add("Workload anon", Quantities.bytes(x.path("workloadAnonBytes").asLong()))
                    .add("PSI memory some/full (avg10)", x.path("psiMemorySome10").asText() + " / " + x.path("psiMemoryFull10").asText())
                    .add("PSI cpu some (avg10)", x.path("psiCpuSome10").asText());
        }
        JsonNode s = m.path("stats");
        kv.add("Channel frames in/out", s.path("framesIn").asText() + " / " + s.path("framesOut").asText())
                .add("Protocol errors", s.path("protocolErrors").asText())
                .add("Quarantines", s.path("quarantines").asText());
        kv.print(root.out());
        root.out().flush();
        return 0;
    }
}
