package io.vmflex.vmm.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A vmmd in a child JVM, as an operator would run it, so a test can {@code kill -9} it. The
 * child's log goes to {@code <stateDir>/vmmd-<n>.log}.
 */
public final class TestDaemon implements AutoCloseable {
    private final Path stateDir;
    private final Path socket;
    private final String nodeName;
    private final Path imageDir;
    private final List<String> extra;
    private String network;
    private String migration;
    private String migrationAddress;
    private String netns;
    private Process process;
    private int starts;

    public TestDaemon(Path stateDir, String nodeName, Path imageDir, String... extra) {
        this.stateDir = stateDir;
        this.socket = stateDir.resolve("vmmd.sock");
        this.nodeName = nodeName;
        this.imageDir = imageDir;
        this.extra = List.of(extra);
    }

    /** Gives the daemon's VMs a NIC: {@code bridge,cidr,tapPrefix}. */
    public TestDaemon withNetwork(String bridgeCidrPrefix) {
        this.network = bridgeCidrPrefix;
        return this;
    }

    /** Live migration: listen on {@code 127.0.0.1:port}, cluster secret from {@code secretFile}. */
    public TestDaemon withMigration(int port, Path secretFile) {
        return withMigration("127.0.0.1", port, secretFile);
    }

    /** Live migration: listen on {@code host:port}, cluster secret from {@code secretFile}. */
    public TestDaemon withMigration(String host, int port, Path secretFile) {
        this.migrationAddress = host + ":" + port;
        this.migration = migrationAddress + "," + secretFile;
        return this;
    }

    /** Prepared incoming migrations are dropped when not committed within {@code seconds}. */
    public TestDaemon withIncomingTtl(long seconds) {
        this.migration = this.migration + "," + seconds;
        return this;
    }

    /**
     * Runs the daemon (and so its QEMUs) in network namespace {@code name} ({@code ip netns exec},
     * which execs: the child's pid stays the JVM's). Its admin socket is a file and works from any
     * namespace.
     */
    public TestDaemon inNetns(String name) {
        this.netns = name;
        return this;
    }

    public Path socket() {
        return socket;
    }

    public Path stateDir() {
        return stateDir;
    }

    /** Where this daemon listens for migrations ({@code host:port}), or null without migration. */
    public String migrationAddress() {
        return migrationAddress;
    }

    public UnixHttp http() {
        return new UnixHttp(socket);
    }

    public TestDaemon start() throws Exception {
        List<String> cmd = new ArrayList<>(netns == null ? List.of() : List.of("ip", "netns", "exec", netns));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                // Agrona (the migration relay's aligned buffers) reads jdk.internal.misc.Unsafe.
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dvmflex.network=" + (network == null ? "" : network),
                "-Dvmflex.migration=" + (migration == null ? "" : migration),
                "-cp", System.getProperty("java.class.path"), DaemonMain.class.getName(),
                stateDir.toString(), socket.toString(), nodeName, imageDir.toString()));
        cmd.addAll(extra);
        Files.deleteIfExists(socket);
        Path log = stateDir.resolve("vmmd-" + (++starts) + ".log");
        Files.createDirectories(stateDir);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("vmmd exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            if (Files.exists(socket)) {
                try {
                    if (http().get("/v1/node").status() == 200) {
                        return this;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("vmmd did not answer within 60 s: " + Files.readString(log));
    }

    /** Whether the daemon's process was started and has not exited (or been killed) since. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: the daemon gets no chance to clean up. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM: the daemon's orderly stop, which must leave the VMs running. */
    public void terminate() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (isAlive()) {
            terminate();
        }
    }
}
