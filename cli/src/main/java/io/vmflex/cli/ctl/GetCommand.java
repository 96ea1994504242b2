package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.client.AdminClient;
import io.vmflex.client.AdminClientException;
import io.vmflex.client.ApiPaths;
import io.vmflex.client.DaemonUnreachableException;
import io.vmflex.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vmctl get vms} / {@code vmctl get vm NAME...}: a table, or the objects as JSON/YAML.
 * Not thread-safe.
 */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = "List VMs, or show some by name. TYPE: vm, vms, virtualmachine(s), neonvm.")
final class GetCommand implements Callable<Integer> {

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "TYPE [NAME...]", description = "Resource type, then optional names.")
    private List<String> words = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json, yaml, wide or name.")
    private String output;

    @Option(names = {"-w", "--watch"}, description = "Print the VMs, then each change of one as it happens, until interrupted.")
    private boolean watch;

    GetCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        OutputFormat format = outputFormat();
        if (ResourceArgs.isMigrationType(words.getFirst())) {
            if (watch) {
                throw new ParameterException(spec.commandLine(), "--watch works for VMs only");
            }
            return MigrationTable.print(root, words.size() > 1 ? words.get(1) : null, output);
        }
        List<String> names = ResourceArgs.vmNames(spec.commandLine(), words, false, 0, Integer.MAX_VALUE);
        try (AdminClient client = root.client()) {
            if (watch) {
                return watch(client, names, format);
            }
            if (names.isEmpty()) {
                JsonNode list = Json.parse(client.request("GET", ApiPaths.vms(), null, null).requireSuccess().body());
                List<JsonNode> items = new ArrayList<>();
                list.path("items").forEach(items::add);
                print(format, list, items, autoscaling(client, format));
                return 0;
            }
            int exit = 0;
            List<JsonNode> found = new ArrayList<>();
            for (String name : names) {
                try {
                    found.add(Json.parse(client.request("GET", ApiPaths.vm(name), null, null).requireSuccess().body()));
                } catch (DaemonUnreachableException e) {
                    throw e;
                } catch (AdminClientException e) {
                    root.err().println(e.getMessage());
                    exit = 1;
                }
            }
            if (!found.isEmpty()) {
                print(format, found.size() == 1 ? found.getFirst() : asList(found), found, autoscaling(client, format));
            }
            return exit;
        }
    }

    /**
     * The agent's views by VM name for {@code -o wide}'s GOAL and PERMIT columns; empty for other
     * formats, and when the daemon runs no agent or cannot say (the rest of the table still shows).
     */
    private static Map<String, JsonNode> autoscaling(AdminClient client, OutputFormat format) {
        if (format != OutputFormat.WIDE) {
            return Map.of();
        }
        Map<String, JsonNode> views = new HashMap<>();
        try {
            Response r = client.request("GET", ApiPaths.autoscaling(), null, null);
            if (r.isSuccess()) {
                Json.parse(r.body()).path("items").forEach(v -> views.put(v.path("vm").asText(), v));
            }
        } catch (DaemonUnreachableException e) {
            throw e;
        } catch (AdminClientException | CliException e) {
            // an older daemon or a bad answer: the columns show <none>
        }
        return views;
    }

    /**
     * Follows {@code GET /v1/vms?watch=true}: every VM first, then each change, one per line (a table
     * row, a name, or the object), those of {@code names} only when names are given. Ends when the
     * daemon ends the stream: exit 1 when it said why (the client fell behind), else 0.
     */
    private int watch(AdminClient client, List<String> names, OutputFormat format) {
        boolean wide = format == OutputFormat.WIDE;
        if (format == OutputFormat.TABLE || wide) {
            root.out().println(VmTable.watchHeader(wide));
            root.out().flush();
        }
        int[] exit = {0};
        client.stream(ApiPaths.vms() + "?watch=true", line -> {
            if (line.isBlank()) {
                return;
            }
            JsonNode event;
            try {
                event = Json.JSON.readTree(line);
            } catch (java.io.IOException e) {
                root.err().println("warning: skipping a line that is not a watch event: " + line);
                return;
            }
            String type = event.path("type").asText();
            JsonNode vm = event.path("object");
            if (type.equals("ERROR")) {
                root.err().println("error: " + vm.path("message").asText("the daemon ended the watch"));
                exit[0] = 1;
                return;
            }
            if (!names.isEmpty() && !names.contains(vm.path("metadata").path("name").asText())) {
                return;
            }
            switch (format) {
                case JSON -> root.out().println(Json.pretty(vm));
                case YAML -> root.out().print("---\n" + Json.yaml(vm));
                case NAME -> root.out().println(ResourceArgs.VM_RESOURCE + "/" + vm.path("metadata").path("name").asText());
                case TABLE, WIDE -> root.out().println(VmTable.watchLine(vm, type.equals("DELETED"), wide, root.clock().instant()));
            }
            root.out().flush();
        });
        return exit[0];
    }

    /** @param whole what the server returned (list or object), printed as is for json/yaml */
    private void print(OutputFormat format, JsonNode whole, List<JsonNode> items, Map<String, JsonNode> autoscaling) {
        switch (format) {
            case JSON -> root.out().println(Json.pretty(whole));
            case YAML -> root.out().print(Json.yaml(whole));
            case NAME -> items.forEach(vm -> root.out().println(
                    ResourceArgs.VM_RESOURCE + "/" + vm.path("metadata").path("name").asText()));
            case TABLE, WIDE -> {
                if (items.isEmpty()) {
                    root.err().println("No resources found");
                } else {
                    VmTable.table(items, format == OutputFormat.WIDE, root.clock().instant(), autoscaling)
                            .print(root.out());
                }
            }
        }
        root.out().flush();
    }

    private static JsonNode asList(List<JsonNode> items) {
        ObjectNode list = JsonNodeFactory.instance.objectNode();
        list.put("apiVersion", "v1");
        list.put("kind", "List");
        ArrayNode array = list.putArray("items");
        items.forEach(array::add);
        return list;
    }

    private OutputFormat outputFormat() {
        try {
            return OutputFormat.parse(output);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
