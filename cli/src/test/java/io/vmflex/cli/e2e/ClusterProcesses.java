package io.vmflex.cli.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code vmflex} processes (node daemons, schedulers) a Kubernetes-mode e2e test runs, each started as
 * the DaemonSet or Deployment would run it: this JVM's java and class path (not the ./vmflex launcher,
 * which would rebuild into the shared Maven repository), its output appended to a log file. {@link #close}
 * stops them all (SIGTERM, then waits) and prints each log's tail, which is what a failed run is read from.
 *
 * <p>Not thread-safe: the test class's own thread starts, kills and closes.
 */
public final class ClusterProcesses implements AutoCloseable {

    private static final int TAIL_LINES = 60;

    private record Started(Process process, Path log) {
    }

    private final Map<String, Started> byName = new LinkedHashMap<>();
    private final List<Path> logs = new ArrayList<>();

    /**
     * Starts {@code vmflex args...} under {@code name} (a name used again replaces the process it named,
     * which must have ended: a restart), its output appended to {@code log}.
     */
    public Process start(String name, Path log, String... args) throws IOException {
        Started before = byName.get(name);
        if (before != null && before.process().isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.vmflex.cli.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        byName.put(name, new Started(p, log));
        if (!logs.contains(log)) {
            logs.add(log);
        }
        return p;
    }

    public Process process(String name) {
        Started s = byName.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no process named " + name);
        }
        return s.process();
    }

    /** SIGKILL, as a node or pod dies: no shutdown hook runs. Returns once the process is reaped. */
    public void kill(String name) throws InterruptedException {
        Process p = process(name);
        p.destroyForcibly();
        p.waitFor();
    }

    /** The last {@value #TAIL_LINES} lines of {@code log}. */
    public static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no " + log + ")";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    /** SIGTERM to every process still running, waits for each, then prints every log's tail. */
    @Override
    public void close() throws IOException, InterruptedException {
        for (Started s : byName.values()) {
            s.process().destroy();
        }
        for (Started s : byName.values()) {
            if (!s.process().waitFor(60, TimeUnit.SECONDS)) {
                s.process().destroyForcibly().waitFor();
            }
        }
        for (Path log : logs) {
            System.out.println("--- " + log.getParent().getFileName() + "/" + log.getFileName() + " (last " + TAIL_LINES
                    + " lines)\n" + tail(log));
        }
    }
}
