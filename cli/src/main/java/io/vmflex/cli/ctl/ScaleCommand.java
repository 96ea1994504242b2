package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vmflex.client.AdminClient;
import io.vmflex.client.ApiPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vmctl scale vm NAME --cpus N --memory-slots M}: sets {@code spec.guest.cpus.use} and/or
 * {@code spec.guest.memorySlots.use} with one JSON patch; the daemon checks them against min/max
 * and resizes the running VM. Not thread-safe.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "Set the vCPUs and/or memory slots a VM should use (within its min and max).")
final class ScaleCommand implements Callable<Integer> {

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..2", paramLabel = "vm NAME", description = "vm NAME, or vm/NAME.")
    private List<String> words = new ArrayList<>();

    @Option(names = "--cpus", paramLabel = "N", description = "vCPUs to use: 2, 0.5 or 250m.")
    private String cpus;

    @Option(names = "--memory-slots", paramLabel = "M", description = "Memory slots to use.")
    private Integer memorySlots;

    ScaleCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        String name = ResourceArgs.vmNames(spec.commandLine(), words, false, 1, 1).getFirst();
        ArrayNode patch = buildPatch();
        try (AdminClient client = root.client()) {
            client.request("PATCH", ApiPaths.vm(name), "application/json-patch+json", Json.compact(patch))
                    .requireSuccess();
        }
        root.out().println(ResourceArgs.VM_RESOURCE + "/" + name + " scaled");
        return 0;
    }

    private ArrayNode buildPatch() {
        if (cpus == null && memorySlots == null) {
            throw new ParameterException(spec.commandLine(), "at least one of --cpus or --memory-slots is required");
        }
        ArrayNode patch = JsonNodeFactory.instance.arrayNode();
        if (cpus != null) {
            long millis;
            try {
                millis = Quantities.parseCpuMillis(cpus);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--cpus: " + e.getMessage());
            }
            if (millis <= 0) {
                throw new ParameterException(spec.commandLine(), "--cpus must be more than 0, got " + cpus);
            }
            patch.addObject().put("op", "replace").put("path", "/spec/guest/cpus/use")
                    .set("value", Quantities.millisToCpus(millis));
        }
        if (memorySlots != null) {
            if (memorySlots < 1) {
                throw new ParameterException(spec.commandLine(), "--memory-slots must be at least 1, got " + memorySlots);
            }
            patch.addObject().put("op", "replace").put("path", "/spec/guest/memorySlots/use").put("value", memorySlots);
        }
        return patch;
    }
}
