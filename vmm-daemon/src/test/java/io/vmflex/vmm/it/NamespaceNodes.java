package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.sys.Libc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The namespace nodes of {@code ci/nodes} for one test class: {@link #up} makes N nodes (each vmmd
 * started with the given extra options), {@link #close} prints the daemons' log tails and removes
 * everything. Node K's daemon answers at {@link #node}, its process is {@link #daemonPid}, and
 * programs of the test class path run in a namespace through {@link #java}.
 *
 * <p>Not thread-safe; one per test class.
 */
final class NamespaceNodes implements AutoCloseable {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path SCRIPT = ROOT.resolve("ci/nodes");
    private static final Path STATE = Path.of("/var/lib/vmflex-nodes");

    private final int count;

    private NamespaceNodes(int count) {
        this.count = count;
    }

    /** Why these tests cannot run here, if they cannot. */
    static Optional<String> missing() {
        return Libc.getuid() != 0 ? Optional.of("not root (network namespaces)") : Guest.missingImage();
    }

    /**
     * Removes what an earlier run left, then {@code ci/nodes up count} with {@code daemonArgs}
     * (VMFLEX_NODES_DAEMON_ARGS) for every daemon.
     */
    static NamespaceNodes up(int count, String daemonArgs) throws Exception {
        run(Duration.ofSeconds(60), List.of(), SCRIPT.toString(), "down");
        NamespaceNodes nodes = new NamespaceNodes(count);
        try {
            run(Duration.ofMinutes(15), List.of("VMFLEX_NODES_DAEMON_ARGS=" + daemonArgs), SCRIPT.toString(), "up",
                    String.valueOf(count));
        } catch (Exception e) {
            nodes.close();
            throw e;
        }
        return nodes;
    }

    UnixHttp node(int k) {
        return new UnixHttp(Path.of("/run/vmflex/node-" + k + "/vmmd.sock"));
    }

    /** The namespace of node K ({@code vmfx-node-K}), or {@code vmfx-client}, {@code vmfx-stranger}. */
    static String namespace(String member) {
        return member.matches("\\d+") ? "vmfx-node-" + member : "vmfx-" + member;
    }

    /** Node K's underlay address, as ci/nodes gives it. */
    static String underlay(int k) {
        return "10.231.0." + (10 + k);
    }

    long daemonPid(int k) throws IOException {
        return Long.parseLong(Files.readString(STATE.resolve("node-" + k + "/vmmd.pid")).trim());
    }

    /** How many file descriptors node K's daemon holds now. */
    long openFds(int k) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + daemonPid(k) + "/fd"))) {
            return fds.count();
        }
    }

    String log(int k) throws IOException {
        return Files.readString(STATE.resolve("node-" + k + "/vmmd.log"));
    }

    /** A JVM in {@code member}'s namespace running {@code main} from the test class path. */
    static List<String> java(String member, Class<?> main, String... args) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace(member),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        c.addAll(List.of(args));
        return c;
    }

    /** {@code cmd} in {@code member}'s namespace; its output; fails on a non-zero exit. */
    static String exec(String member, Duration timeout, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace(member)));
        c.addAll(List.of(cmd));
        return run(timeout, List.of(), c.toArray(String[]::new));
    }

    /** A test VM from {@code examples/test-vm.yaml} named {@code name}, running {@code script} as its command. */
    static String testVm(String name, String script) throws IOException {
        ObjectNode vm = (ObjectNode) ApiMapper.yaml().readTree(Files.readString(Guest.example("test-vm.yaml")));
        ((ObjectNode) vm.get("metadata")).put("name", name);
        ObjectNode guest = (ObjectNode) vm.get("spec").get("guest");
        guest.putArray("command").add("/bin/sh").add("-c");
        guest.putArray("args").add(script);
        return vm.toString();
    }

    /** Migrates {@code vm} from {@code from} to node {@code to} through the API and waits; its final status. */
    static JsonNode migrate(UnixHttp from, String vm, String to) throws Exception {
        UnixHttp.Response r = from.send("POST", "/v1/vms/" + vm + "/migrate?wait=true", "application/json",
                "{\"target\":\"" + to + "\",\"downtimeLimitMs\":300,\"maxBandwidthMbps\":10000}");
        assertEquals(200, r.status(), r.body());
        JsonNode st = r.json();
        System.out.println("migrated: " + st);
        assertEquals("Completed", st.path("phase").asText(), st.toString());
        return st;
    }

    /** Runs a command with {@code env} added; its output; fails on a non-zero exit. */
    static String run(Duration timeout, List<String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("VMFLEX_IMAGES", Guest.imageDir().toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        for (String e : env) {
            int eq = e.indexOf('=');
            pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + text);
        }
        return text;
    }

    private String tail(int k) {
        try {
            List<String> lines = Files.readAllLines(STATE.resolve("node-" + k + "/vmmd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws Exception {
        for (int k = 1; k <= count; k++) {
            System.out.println("node-" + k + " log tail:\n" + tail(k));
        }
        run(Duration.ofSeconds(60), List.of(), SCRIPT.toString(), "down");
    }
}
