package io.vmflex.cli.ctl;

import io.vmflex.client.AdminClient;
import io.vmflex.client.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vmctl profile --duration S --out FILE.html [--event cpu|alloc|wall]}: records vmmd itself
 * with its in-process profiler ({@code POST /v1/debug/profile}) and writes the HTML flame graph the
 * daemon answers to FILE. Used to see where a live migration spends the daemon's CPU. Not
 * thread-safe.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Record vmmd with async-profiler for a while and write an HTML flame graph.",
        footer = {"", "Example (while a migration runs on this node):",
                "  vmctl profile --duration 20 --out migration-source.html"})
final class ProfileCommand implements Callable<Integer> {

    static final int MAX_SECONDS = 300;
    private static final List<String> EVENTS = List.of("cpu", "alloc", "wall");
    /** Beyond the recording itself: writing the flame graph and sending it. */
    private static final Duration SLACK = Duration.ofSeconds(60);

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Option(names = "--duration", required = true, paramLabel = "SECONDS",
            description = "How long to record, 1..300 seconds.")
    private int seconds;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the HTML flame graph.")
    private Path out;

    @Option(names = "--event", paramLabel = "EVENT", defaultValue = "cpu",
            description = "cpu (default: on-CPU samples), alloc (heap allocations) or wall (all threads, running or not).")
    private String event;

    ProfileCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() throws IOException {
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw new ParameterException(spec.commandLine(), "--duration must be 1.." + MAX_SECONDS + " seconds, got " + seconds);
        }
        if (!EVENTS.contains(event)) {
            throw new ParameterException(spec.commandLine(), "--event must be cpu, alloc or wall, got '" + event + "'");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new CliException("cannot write " + out + ": directory " + parent + " does not exist");
        }
        root.err().printf(Locale.ROOT, "recording vmmd (%s) for %d s ...%n", event, seconds);
        Response r;
        try (AdminClient client = root.client(Duration.ofSeconds(seconds).plus(SLACK))) {
            r = client.request("POST", "/v1/debug/profile?duration=" + seconds + "&event=" + event, null, null)
                    .requireSuccess();
        }
        Files.write(out, r.body());
        root.out().printf(Locale.ROOT, "wrote %s (%d KiB, %s, %d s)%n", out, (r.body().length + 1023) / 1024, event, seconds);
        root.out().flush();
        return 0;
    }
}
