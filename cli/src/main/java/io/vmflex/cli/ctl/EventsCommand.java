package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.client.AdminClient;
import io.vmflex.client.ApiPaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmctl events [--vm NAME] [-w]}: the daemon's recent events as a table, or with
 * {@code -w} a line per event as it happens. Not thread-safe.
 */
@Command(name = "events", mixinStandardHelpOptions = true, description = "List or watch the daemon's events.")
final class EventsCommand implements Callable<Integer> {

    private final VmctlCommand root;

    @Option(names = "--vm", paramLabel = "NAME", description = "Only events of this VM.")
    private String vm;

    @Option(names = {"-w", "--watch"}, description = "Stream new events until interrupted.")
    private boolean watch;

    EventsCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        try (AdminClient client = root.client()) {
            if (watch) {
                watch(client);
                return 0;
            }
            String path = ApiPaths.events() + (vm == null ? "" : "?vm=" + ApiPaths.segment(vm));
            JsonNode list = Json.parse(client.request("GET", path, null, null).requireSuccess().body());
            List<JsonNode> events = new ArrayList<>();
            list.path("items").forEach(e -> {
                if (EventFormatter.matches(e, vm)) { // filtered here too, in case the server ignores ?vm
                    events.add(e);
                }
            });
            if (events.isEmpty()) {
                root.err().println("No events found");
            } else {
                EventFormatter.table(events).print(root.out());
            }
            return 0;
        }
    }

    private void watch(AdminClient client) {
        String path = ApiPaths.events() + "?watch=true" + (vm == null ? "" : "&vm=" + ApiPaths.segment(vm));
        root.out().println(EventFormatter.header());
        root.out().flush();
        client.stream(path, line -> {
            if (line.isBlank()) {
                return; // keep-alive
            }
            JsonNode event;
            try {
                event = Json.JSON.readTree(line);
            } catch (IOException e) {
                root.err().println("warning: skipping a line that is not an event: " + abbreviate(line));
                return;
            }
            if (EventFormatter.matches(event, vm)) {
                root.out().println(EventFormatter.line(event));
                root.out().flush();
            }
        });
    }

    private static String abbreviate(String line) {
        return line.length() > 100 ? line.substring(0, 100) + "..." : line;
    }
}
