package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.client.AdminClient;
import io.vmflex.client.ApiPaths;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code vmctl migrate vm NAME --to HOST:PORT [--wait]}: live-migrates a VM to the daemon listening
 * for migrations at HOST:PORT. Without {@code --wait} it prints the migration id and returns. With
 * it, it polls {@code GET /v1/migrations/{id}} and shows the progress: on a terminal one line
 * rewritten in place, otherwise a line per phase change and every {@value #LINE_EVERY_SECONDS} s;
 * then the summary; exit 0 when Completed, 1 when Failed or Cancelled (the VM stayed). Ctrl-C stops
 * watching, not the migration: it prints how to cancel it ({@code vmctl migrate cancel ID}).
 */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Live-migrate a VM to another node's daemon.",
        subcommands = MigrateCommand.Cancel.class)
final class MigrateCommand implements Callable<Integer> {
    static final int LINE_EVERY_SECONDS = 5;
    private static final Duration POLL = Duration.ofMillis(500);

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TYPE", description = "vm")
    private String type;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "VM name")
    private String name;

    @Option(names = "--to", paramLabel = "HOST:PORT", description = "The target daemon's migration address (required).")
    private String target;

    @Option(names = "--wait", description = "Show the progress until the migration ends, then how it went.")
    private boolean await;

    @Option(names = "--progress", paramLabel = "auto|bar|lines", defaultValue = "auto",
            description = "With --wait: a bar rewritten in place (bar), a line per change (lines), or bar on a terminal (auto).")
    private String progress;

    @Option(names = "--downtime-limit", paramLabel = "MS", defaultValue = "300", description = "Longest guest pause QEMU may plan for once all memory went over once (default ${DEFAULT-VALUE} ms).")
    private long downtimeMs;

    @Option(names = "--max-bandwidth", paramLabel = "MBPS", defaultValue = "10000", description = "Max bandwidth of the RAM stream and of the root disk copy (default ${DEFAULT-VALUE} Mbit/s).")
    private long bandwidthMbps;

    @Option(names = "--multifd", paramLabel = "N", defaultValue = "1",
            description = "Migration channels: 1 = one stream (default), N >= 2 = multifd with N channels.")
    private int multifdChannels;
    @Option(names = "--progress-timeout", paramLabel = "S", description = "Fail when no progress for S seconds (daemon default 30).")
    private Long progressTimeoutSeconds;

    @Option(names = "--completion-timeout-per-gib", paramLabel = "S", description = "Fail when not done within S seconds per GiB of guest memory (daemon default 150).")
    private Long completionPerGiBSeconds;

    MigrateCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        if (type == null || name == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required parameters: TYPE NAME");
        }
        if (target == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--to=HOST:PORT'");
        }
        if (!ResourceArgs.isVmType(type)) {
            throw new CliException("migrate supports only vm, got '" + type + "'");
        }
        ObjectNode body = Json.JSON.createObjectNode();
        body.put("target", target);
        body.put("downtimeLimitMs", downtimeMs);
        body.put("maxBandwidthMbps", bandwidthMbps);
        body.put("multifdChannels", multifdChannels);
        if (progressTimeoutSeconds != null) {
            body.put("progressTimeoutSeconds", progressTimeoutSeconds);
        }
        if (completionPerGiBSeconds != null) {
            body.put("completionTimeoutPerGiBSeconds", completionPerGiBSeconds);
        }
        try (AdminClient client = root.client()) {
            JsonNode m = Json.parse(client.request("POST", ApiPaths.vm(name) + "/migrate", "application/json",
                    body.toString().getBytes(StandardCharsets.UTF_8)).requireSuccess().body());
            String id = m.path("id").asText();
            if (!await) {
                root.out().println("migration " + id + " of " + name + " to " + target + ": " + m.path("phase").asText()
                        + " (vmctl get migrations " + id + ")");
                return 0;
            }
            m = follow(client, m, id);
            root.out().println(MigrationProgress.summary(m, name));
            return "Completed".equals(m.path("phase").asText()) ? 0 : 1;
        }
    }

    private boolean bar() {
        return switch (progress) {
            case "bar" -> true;
            case "lines" -> false;
            case "auto" -> System.console() != null && System.console().isTerminal() && root.out() == System.out;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--progress must be auto, bar or lines, got '" + progress + "'");
        };
    }

    /** Polls until the migration ends; Ctrl-C meanwhile says how to cancel it. */
    private JsonNode follow(AdminClient client, JsonNode first, String id) {
        boolean bar = bar();
        PrintStream out = root.out();
        Thread hint = new Thread(() -> {
            out.println();
            out.println("stopped watching; migration " + id + " goes on. Cancel it with: vmctl migrate cancel " + id);
        });
        boolean hooked = false;
        try {
            Runtime.getRuntime().addShutdownHook(hint);
            hooked = true;
        } catch (IllegalStateException shuttingDown) {
            // no hint then
        }
        try {
            JsonNode m = first;
            String lastStage = "";
            long lastLine = 0;
            while (true) {
                // "lines" mode: a new line per phase, and when QEMU starts sending RAM after the disk copy.
                String stage = m.path("phase").asText() + (MigrationProgress.sendingRam(m) ? "" : " (before RAM)");
                long now = System.nanoTime();
                if (bar) {
                    out.print("\r" + MigrationProgress.line(m) + "\u001b[K");
                    out.flush();
                } else if (!stage.equals(lastStage) || now - lastLine >= Duration.ofSeconds(LINE_EVERY_SECONDS).toNanos()) {
                    out.println(MigrationProgress.line(m));
                    lastLine = now;
                }
                lastStage = stage;
                if (MigrationProgress.isFinal(m)) {
                    if (bar) {
                        out.println();
                    }
                    return m;
                }
                try {
                    Thread.sleep(POLL.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CliException("interrupted; migration " + id + " goes on (vmctl migrate cancel " + id + ")");
                }
                m = Json.parse(client.request("GET", "/v1/migrations/" + ApiPaths.segment(id), null, null)
                        .requireSuccess().body());
            }
        } finally {
            if (hooked) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hint);
                } catch (IllegalStateException shuttingDown) {
                    // the hint is running: Ctrl-C
                }
            }
        }
    }

    /** {@code vmctl migrate cancel ID} or {@code vmctl migrate cancel vm NAME}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a running migration (by id, or 'vm NAME'); the VM keeps running on this node.")
    static final class Cancel implements Callable<Integer> {
        @CommandLine.ParentCommand
        private MigrateCommand parent;

        @Parameters(index = "0", paramLabel = "ID|vm", description = "Migration id, or 'vm'")
        private String first;

        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "VM name after 'vm'")
        private String vmName;

        @Override
        public Integer call() {
            String path;
            if (vmName != null) {
                if (!ResourceArgs.isVmType(first)) {
                    throw new CliException("cancel takes ID or 'vm NAME', got '" + first + " " + vmName + "'");
                }
                path = ApiPaths.vm(vmName) + "/migrate/cancel";
            } else {
                path = "/v1/migrations/" + ApiPaths.segment(first) + "/cancel";
            }
            try (AdminClient client = parent.root.client()) {
                JsonNode m = Json.parse(client.request("POST", path, "application/json", new byte[0]).requireSuccess().body());
                parent.root.out().println("migration " + m.path("id").asText() + " of " + m.path("vm").asText()
                        + ": cancel requested (vmctl get migrations " + m.path("id").asText() + ")");
                return 0;
            }
        }
    }
}
