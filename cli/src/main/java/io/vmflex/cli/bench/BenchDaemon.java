package io.vmflex.cli.bench;

import io.vmflex.client.AdminClient;
import io.vmflex.client.Response;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A vmmd of its own for the migration benchmark: a child JVM ({@code vmflex daemon}) with the
 * benchmark's class path and JVM flags, a private state dir, socket and cgroup folder, no VM network,
 * and a migration listener on a free loopback port. A separate process, as on real nodes, so the
 * relay does not share a JVM with the other daemon or the benchmark.
 *
 * <p>Not thread-safe.
 */
final class BenchDaemon implements AutoCloseable {
    private final String node;
    private final Path dir;
    private final int migrationPort;
    private final Process process;
    private final AdminClient api;

    private BenchDaemon(String node, Path dir, int migrationPort, Process process) {
        this.node = node;
        this.dir = dir;
        this.migrationPort = migrationPort;
        this.process = process;
        this.api = new AdminClient(dir.resolve("vmmd.sock"), Duration.ofMinutes(10));
    }

    /** @param encrypted false: {@code --migration-encryption off} (the relay in clear) */
    static BenchDaemon start(String node, Path dir, Path images, Path secret, boolean encrypted) throws Exception {
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = vmflexCommand();
        cmd.addAll(List.of("daemon",
                "--state-dir", dir.toString(), "--socket", dir.resolve("vmmd.sock").toString(), "--node-name", node,
                "--image-dir", images.toString(), "--cgroup-parent", "vmflex-migbench", "--no-network",
                "--migration-listen", "127.0.0.1:" + port, "--cluster-secret", secret.toString(),
                "--migration-encryption", encrypted ? "on" : "off"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("vmmd.log").toFile()).start();
        BenchDaemon d = new BenchDaemon(node, dir, port, p);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("vmmd " + node + " exited: " + Files.readString(dir.resolve("vmmd.log")));
            }
            if (Files.exists(dir.resolve("vmmd.sock"))) {
                try {
                    if (d.api.request("GET", "/v1/node", null, null).status() == 200) {
                        return d;
                    }
                } catch (RuntimeException notYet) {
                    // the socket exists before the server answers
                }
            }
            Thread.sleep(200);
        }
        d.close();
        throw new IllegalStateException("vmmd " + node + " did not answer within 60 s");
    }

    /**
     * {@code java <this JVM's flags> -cp <this class path> io.vmflex.cli.Main}: a child vmflex with the
     * benchmark's class path and JVM flags (native access, Agrona's export, heap, GC); add the command.
     */
    static List<String> vmflexCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> !a.startsWith("-agentlib")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.vmflex.cli.Main"));
        return cmd;
    }

    String node() {
        return node;
    }

    String migrationAddress() {
        return "127.0.0.1:" + migrationPort;
    }

    AdminClient api() {
        return api;
    }

    /** CPU time the daemon process has used so far (all its threads), from the kernel's accounting. */
    long cpuMillis() {
        return process.info().totalCpuDuration().map(java.time.Duration::toMillis)
                .orElseThrow(() -> new IllegalStateException("no CPU time for vmmd " + node));
    }

    Path log() {
        return dir.resolve("vmmd.log");
    }

    Response request(String method, String path, String contentType, String body) {
        return api.request(method, path, contentType, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        api.close();
        process.destroy();
        try {
            if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
