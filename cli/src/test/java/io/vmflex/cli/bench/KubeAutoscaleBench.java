package io.vmflex.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.cli.e2e.ClusterProcesses;
import io.vmflex.cli.e2e.KubeTestCluster;
import io.vmflex.client.AdminClient;
import io.vmflex.client.Response;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Benchmark, not a test (the suite runs *Test and *IT; {@code cli/bench/kube-autoscale-bench.sh} runs this):
 * memory pressure in the guest → memory plugged, cluster mode against standalone in the same run.
 *
 * <ul>
 *   <li>standalone: {@code vmflex up} (daemon, agent and scheduler in one process; {@link BenchUpNode});</li>
 *   <li>cluster: {@code vmflex daemon --kubeconfig --scheduler-url} (the agent asks {@code vmflex scheduler}
 *       for permits over HTTPS with a pod-bound token and patches the VirtualMachine through the real
 *       kube-apiserver; the daemon resizes from the object), as KubeAutoscaleIT runs them.</li>
 * </ul>
 * Both with vmflex's rules and {@code vmflex bench autoscale}'s compute unit (1 vCPU / 512 MiB), the same VM
 * (1 vCPU, 512 MiB boot memory up to 1 GiB, the guest script of {@code vmflex bench autoscale --phases memory}: it writes {@code fill} MiB to
 * tmpfs, its monitor asks for memory, it waits for MemTotal to grow). A new VM per run, the modes alternating
 * run by run, so that a busy spell of the host falls on both. Measured as {@code vmflex bench autoscale}
 * measures it, over the node's admin socket: the main figure is the guest's {@code fill} marker (it starts
 * writing) → its first report of the grown MemTotal ({@link AutoscaleAnalysis.MemoryRun#fillToPluggedMs()}),
 * whatever signal the agent acted on (the write keeps the vCPU busy, and vmflex's rules may upscale on that
 * before the monitor's request); the monitor's request → plugged is printed too where a request came first.
 *
 * <p>{@code -Dvmflex.bench.runs=N} (default 5) runs per mode, {@code -Dvmflex.bench.fill=MiB} (default 300).
 */
@Tag("qemu")
@ExtendWith(KubeApiServerExtension.class)
class KubeAutoscaleBench {
    private static final int RUNS = Integer.getInteger("vmflex.bench.runs", 5);
    private static final int FILL_MIB = Integer.getInteger("vmflex.bench.fill", 300);
    private static final String RUN = "kb" + ProcessHandle.current().pid();
    private static final String NODE = RUN + "-a";
    private static final String NS = "bench";
    /** 512 MiB boot (4 slots of 128 MiB) up to 1 GiB: one compute unit more. */
    private static final int MAX_SLOTS = 8;
    /**
     * {@code vmflex bench autoscale}'s unit, in both modes: the agent keeps CPU and memory in whole units, so with
     * Neon's 250m/1Gi a 1-vCPU VM would be raised to 4 GiB at boot, before any pressure.
     */
    private static final String UNIT = "1/512Mi";

    @Test
    void memoryPressureToPluggedClusterAgainstStandalone(KubeApiServer kube) throws Exception {
        KubeTestCluster.assumeTestImage("KubeAutoscaleBench");
        List<AutoscaleAnalysis.MemoryRun> standalone = new ArrayList<>();
        List<AutoscaleAnalysis.MemoryRun> clustered = new ArrayList<>();
        String loadAtStart = MigrationBenchCommand.loadAverage();
        ClusterProcesses processes = new ClusterProcesses();
        KubeTestCluster cluster = KubeTestCluster.install(kube, RUN, NS, "vmfx-kbench", processes);
        Path work = cluster.work;
        try (processes; BenchUpNode up = BenchUpNode.start(work.resolve("up"), KubeTestCluster.IMAGES, "vmflex", UNIT)) {
            Process daemon = startCluster(cluster);
            for (int run = 1; run <= RUNS; run++) {
                standalone.add(runStandalone(up, run));
                clustered.add(runCluster(kube, new ClusterNode(daemon, cluster.nodeDir(NODE)), run));
            }
        } finally {
            kube.kubectl("delete", "neonvm", "--all", "-n", NS, "--wait=true", "--timeout=90s");
            cluster.deleteNodes();
        }
        AutoscaleReport report = new AutoscaleReport();
        report.memory("standalone", standalone);
        report.memory("cluster", clustered);
        Files.writeString(work.resolve("samples.csv"), report.csv());
        System.out.printf(Locale.ROOT, "%nKubeAutoscaleBench: %d runs per mode (ms; samples in %s)%n", RUNS, work.resolve("samples.csv"));
        List<Long> sFill = print("guest starts writing -> memory plugged", standalone, clustered, AutoscaleAnalysis.MemoryRun::fillToPluggedMs);
        print("monitor request -> memory plugged", standalone, clustered, AutoscaleAnalysis.MemoryRun::requestToPluggedMs);
        print("monitor request -> virtio-mem resized (the host's part)", standalone, clustered,
                AutoscaleAnalysis.MemoryRun::requestToResizeMs);
        System.out.printf("  agent upscaled before the monitor asked (on its own signals): standalone %d, cluster %d of %d%n",
                standalone.stream().filter(AutoscaleAnalysis.MemoryRun::agentFirst).count(),
                clustered.stream().filter(AutoscaleAnalysis.MemoryRun::agentFirst).count(), RUNS);
        System.out.printf("  machine: %d CPUs, load average at the start %s, at the end %s%n",
                Runtime.getRuntime().availableProcessors(), loadAtStart, MigrationBenchCommand.loadAverage());
        List<Long> cFill = values(clustered, AutoscaleAnalysis.MemoryRun::fillToPluggedMs);
        assertTrue(sFill.size() == RUNS && cFill.size() == RUNS, "every run's memory plugged: standalone " + sFill + ", cluster " + cFill);
    }

    /** Prints p50/p95 of one measurement per mode and their ratio; returns standalone's values. */
    private static List<Long> print(String what, List<AutoscaleAnalysis.MemoryRun> standalone,
                                    List<AutoscaleAnalysis.MemoryRun> clustered,
                                    java.util.function.Function<AutoscaleAnalysis.MemoryRun, OptionalLong> value) {
        List<Long> s = values(standalone, value);
        List<Long> c = values(clustered, value);
        OptionalLong s50 = Percentile.of(s, 50);
        OptionalLong c50 = Percentile.of(c, 50);
        OptionalLong s95 = Percentile.of(s, 95);
        OptionalLong c95 = Percentile.of(c, 95);
        System.out.printf(Locale.ROOT, "  %s: standalone p50 %s p95 %s %s; cluster p50 %s p95 %s %s", what, text(s50), text(s95), s,
                text(c50), text(c95), c);
        if (s50.isPresent() && c50.isPresent() && s50.getAsLong() > 0 && s95.getAsLong() > 0) {
            System.out.printf(Locale.ROOT, "; ratio cluster/standalone p50 %.2f, p95 %.2f", (double) c50.getAsLong() / s50.getAsLong(),
                    (double) c95.getAsLong() / s95.getAsLong());
        }
        System.out.println();
        return s;
    }

    private static List<Long> values(List<AutoscaleAnalysis.MemoryRun> runs,
                                     java.util.function.Function<AutoscaleAnalysis.MemoryRun, OptionalLong> value) {
        return AutoscaleReport.values(runs, AutoscaleAnalysis.MemoryRun::valid, value);
    }

    private static String text(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() + "" : "-";
    }

    private static AutoscaleAnalysis.MemoryRun runStandalone(BenchUpNode up, int run) throws Exception {
        AutoscaleBenchCommand.Guest g = AutoscaleBenchCommand.memoryGuest("kbench-up-" + run, run, FILL_MIB, MAX_SLOTS);
        Response created = up.request("POST", "/v1/vms", "application/json", g.manifest().toString());
        assertTrue(created.status() == 201, () -> "create " + g.vm() + ": " + created.bodyText());
        AutoscaleTimeline timeline = new AutoscaleTimeline();
        try {
            up.follow(g.vm(), timeline);
            return await("standalone", up, g, timeline, run);
        } finally {
            up.request("DELETE", "/v1/vms/" + g.vm(), null, null);
            Awaitility.await(g.vm() + " deleted").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> up.request("GET", "/v1/vms/" + g.vm(), null, null).status() == 404);
        }
    }

    /** Runs one guest on {@code node}, closing it (its console and event streams) when the run ends. */
    private static AutoscaleAnalysis.MemoryRun runCluster(KubeApiServer kube, ClusterNode node, int run) throws Exception {
        String name = "kbench-kube-" + run;
        AutoscaleBenchCommand.Guest made = AutoscaleBenchCommand.memoryGuest(name, run, FILL_MIB, MAX_SLOTS);
        ObjectNode manifest = made.manifest().deepCopy();
        ((ObjectNode) manifest.path("metadata")).put("namespace", NS);
        ((ObjectNode) manifest.path("spec")).put("schedulerName", "autoscale-scheduler");
        String local = NS + "-" + name + "-" + NS.length();
        AutoscaleBenchCommand.Guest g = new AutoscaleBenchCommand.Guest(local, manifest, made.stepTimeout());
        kube.kubectlWithInput(ApiMapper.json().writeValueAsString(manifest), "apply", "-f", "-").orFail();
        AutoscaleTimeline timeline = new AutoscaleTimeline();
        try (node) {
            try {
                // the daemon has it once the scheduler bound it; the guest's step waits 20 s of uptime for its monitor
                Awaitility.await(name + " on the node").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> node.request("GET", "/v1/vms/" + local, null, null).status() == 200);
                node.follow(local, timeline);
                return await("cluster", node, g, timeline, run);
            } finally {
                kube.kubectl("delete", "neonvm", name, "-n", NS, "--wait=true", "--timeout=90s");
            }
        }
    }

    private static AutoscaleAnalysis.MemoryRun await(String mode, BenchNode node, AutoscaleBenchCommand.Guest g,
                                                     AutoscaleTimeline timeline, int run) throws Exception {
        AutoscaleBenchCommand.awaitSchedule(node, g, timeline, "[" + mode + "]", heard -> List.of());
        List<AutoscaleAnalysis.MemoryRun> runs = AutoscaleAnalysis.memoryRuns(timeline.snapshot(), AutoscaleBenchCommand.grownKb());
        assertTrue(runs.size() == 1, () -> mode + " run " + run + ": " + runs);
        AutoscaleAnalysis.MemoryRun r = runs.getFirst();
        System.out.printf("[%s] run %d: %s; host load %s%n", mode, run, AutoscaleBenchCommand.text(r),
                MigrationBenchCommand.loadAverage());
        return r;
    }

    /** The cluster: one VM node, its daemon with the agent asking the scheduler for permits, the scheduler. */
    private static Process startCluster(KubeTestCluster cluster) throws Exception {
        cluster.nodeForAnyVm(NODE, "2", "8Gi");
        List<String> flags = new ArrayList<>(cluster.startPermitScheduler(NODE).daemonFlags());
        flags.addAll(List.of("--compute-unit", UNIT));
        Process daemon = cluster.startDaemon(NODE, flags);
        try (ClusterNode node = new ClusterNode(daemon, cluster.nodeDir(NODE))) {
            Awaitility.await("the node daemon serving").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                    .ignoreExceptions().until(() -> node.request("GET", "/v1/node", null, null).status() == 200);
        }
        return daemon;
    }

    /**
     * The cluster node's daemon through its admin socket (the VMs are made through the API server), for one
     * run: {@link #close()} ends the streams it follows (the node's event stream does not end with the VM).
     */
    private static final class ClusterNode implements BenchNode, AutoCloseable {
        private final Process process;
        private final Path dir;
        private final AdminClient follower;

        ClusterNode(Process process, Path dir) {
            this.process = process;
            this.dir = dir;
            this.follower = new AdminClient(dir.resolve("vmmd.sock"), Duration.ofHours(2));
        }

        @Override
        public Response request(String method, String path, String contentType, String body) {
            try (AdminClient c = new AdminClient(dir.resolve("vmmd.sock"), Duration.ofMinutes(2))) {
                return c.request(method, path, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
            }
        }

        @Override
        public void follow(String vm, AutoscaleTimeline timeline) {
            BenchUpNode.follow(follower, vm, timeline);
        }

        @Override
        public boolean alive() {
            return process.isAlive();
        }

        @Override
        public Path log() {
            return dir.resolve("daemon.log");
        }

        @Override
        public void close() {
            follower.close();
        }
    }
}
