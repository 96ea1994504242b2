package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.client.AdminClient;
import io.vmflex.client.ApiPaths;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vmctl check-node}: the daemon's node check as a readable report, or JSON/YAML. Not thread-safe. */
@Command(name = "check-node", mixinStandardHelpOptions = true,
        description = "Show what this node offers VMs: KVM, hardware virtualisation, accelerator, cgroups, tun, QEMU.")
final class CheckNodeCommand implements Callable<Integer> {

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json or yaml.")
    private String output;

    CheckNodeCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        if (output != null && !output.equals("json") && !output.equals("yaml")) {
            throw new ParameterException(spec.commandLine(), "-o must be json or yaml, got '" + output + "'");
        }
        JsonNode node;
        try (AdminClient client = root.client()) {
            node = Json.parse(client.request("GET", ApiPaths.node(), null, null).requireSuccess().body());
        }
        if ("json".equals(output)) {
            root.out().println(Json.pretty(node));
        } else if ("yaml".equals(output)) {
            root.out().print(Json.yaml(node));
        } else {
            NodeReport.print(node, root.out());
        }
        root.out().flush();
        return 0;
    }
}
