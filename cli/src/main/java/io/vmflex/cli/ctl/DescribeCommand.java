package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.client.AdminClient;
import io.vmflex.client.AdminClientException;
import io.vmflex.client.ApiPaths;
import io.vmflex.client.DaemonUnreachableException;
import io.vmflex.client.Response;
import io.vmflex.client.ServerErrorException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code vmctl describe vm NAME}: the VM's spec, observed status, conditions and recent events in
 * a human layout. If events cannot be fetched, the rest is still shown. Not thread-safe.
 */
@Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Show a VM in detail: spec, status, conditions and recent events.")
final class DescribeCommand implements Callable<Integer> {

    static final int MAX_EVENTS = 20;

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..2", paramLabel = "vm NAME", description = "vm NAME, or vm/NAME.")
    private List<String> words = new ArrayList<>();

    DescribeCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        String name = ResourceArgs.vmNames(spec.commandLine(), words, false, 1, 1).getFirst();
        try (AdminClient client = root.client()) {
            JsonNode vm = Json.parse(client.request("GET", ApiPaths.vm(name), null, null).requireSuccess().body());
            List<JsonNode> events = new ArrayList<>();
            String eventsError = null;
            try {
                JsonNode list = Json.parse(client.request("GET", ApiPaths.events() + "?vm=" + ApiPaths.segment(name),
                        null, null).requireSuccess().body());
                list.path("items").forEach(e -> {
                    if (EventFormatter.matches(e, name)) {
                        events.add(e);
                    }
                });
            } catch (DaemonUnreachableException e) {
                throw e;
            } catch (AdminClientException | CliException e) {
                eventsError = e.getMessage();
            }
            JsonNode autoscaling = null;
            String autoscalingNote = null;
            // The agent follows only VMs that ask for it; for the others there is nothing to ask.
            if ("true".equals(vm.path("metadata").path("labels").path(AutoscalingSettings.LABEL_ENABLED).asText(null))) {
                try {
                    Response r = client.request("GET", ApiPaths.autoscaling(name), null, null);
                    if (r.isSuccess()) {
                        autoscaling = Json.parse(r.body());
                    } else {
                        autoscalingNote = ServerErrorException.of(r).serverMessage();
                    }
                } catch (DaemonUnreachableException e) {
                    throw e;
                } catch (AdminClientException | CliException e) {
                    autoscalingNote = e.getMessage();
                }
            }
            new VmDescription(vm, root.clock().instant()).print(root.out(), autoscaling, autoscalingNote,
                    events.subList(Math.max(0, events.size() - MAX_EVENTS), events.size()), eventsError);
            return 0;
        }
    }
}
