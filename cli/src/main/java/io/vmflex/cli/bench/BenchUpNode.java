package io.vmflex.cli.bench;

import io.vmflex.client.AdminClient;
import io.vmflex.client.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code vmflex up} of its own for the autoscaling benchmark: a child JVM (daemon, agent and
 * scheduler in one process, as a node runs it) with the given scaling rules and compute unit, a
 * private state dir, socket and cgroup folder, and no VM network. Also follows a VM's console and
 * the node's events for it into an {@link AutoscaleTimeline}.
 *
 * <p>Not thread-safe (the benchmark's thread); the followers run on their own virtual threads.
 */
final class BenchUpNode implements BenchNode, AutoCloseable {
    private static final String NODE = "autobench";

    private final Path dir;
    private final Process process;
    private final AdminClient api;
    private final AdminClient follower;

    private BenchUpNode(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
        this.api = new AdminClient(dir.resolve("vmmd.sock"), Duration.ofMinutes(2));
        this.follower = new AdminClient(dir.resolve("vmmd.sock"), Duration.ofHours(2));
    }

    /**
     * Starts {@code vmflex up --scaling-rules RULES --compute-unit UNIT} and waits until its API answers.
     * No host reserve: the node has 2 CPUs here and the VM may take both.
     */
    static BenchUpNode start(Path dir, Path images, String rules, String computeUnit) throws Exception {
        Files.createDirectories(dir);
        List<String> cmd = BenchDaemon.vmflexCommand();
        cmd.addAll(List.of("up", "--state-dir", dir.toString(), "--socket", dir.resolve("vmmd.sock").toString(),
                "--node-name", NODE, "--image-dir", images.toString(), "--cgroup-parent", "vmflex-autobench", "--no-network",
                "--scaling-rules", rules, "--compute-unit", computeUnit, "--host-reserve", "0/0"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("up.log").toFile()).start();
        BenchUpNode n = new BenchUpNode(dir, p);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("vmflex up exited: " + Files.readString(n.log()));
            }
            if (Files.exists(dir.resolve("vmmd.sock"))) {
                try {
                    if (n.api.request("GET", "/v1/node", null, null).status() == 200) {
                        return n;
                    }
                } catch (RuntimeException notYet) {
                    // the socket exists before the server answers
                }
            }
            Thread.sleep(200);
        }
        n.close();
        throw new IllegalStateException("vmflex up did not answer within 60 s");
    }

    @Override
    public Path log() {
        return dir.resolve("up.log");
    }

    @Override
    public Response request(String method, String path, String contentType, String body) {
        return api.request(method, path, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Follows the VM's console (from now on) and the node's events about it into {@code timeline},
     * each line stamped on arrival, until {@link #close()} or the VM's deletion ends the streams.
     */
    @Override
    public void follow(String vm, AutoscaleTimeline timeline) {
        follow(follower, vm, timeline);
    }

    /** {@link #follow(String, AutoscaleTimeline)} over any daemon's admin socket ({@code follower}: a long timeout). */
    static void follow(AdminClient follower, String vm, AutoscaleTimeline timeline) {
        Thread.ofVirtual().name("autobench-console").start(() -> quietly(() ->
                follower.stream("/v1/vms/" + vm + "/console?follow=true&tail=0", line -> timeline.console(line, System.nanoTime()))));
        Thread.ofVirtual().name("autobench-events").start(() -> quietly(() ->
                follower.stream("/v1/events?watch=true&vm=" + vm, line -> timeline.event(line, System.nanoTime()))));
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException ended) {
            // the stream ends with the VM or the node; the benchmark notices the silence itself
        }
    }

    @Override
    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws IOException {
        follower.close();
        api.close();
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
