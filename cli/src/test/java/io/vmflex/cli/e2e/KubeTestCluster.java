package io.vmflex.cli.e2e;

import io.fabric8.kubernetes.api.model.Pod;
import io.vmflex.kube.permit.PermitFixture;
import io.vmflex.kube.permit.PermitTls;
import io.vmflex.kube.placement.SchedulerTestCluster;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.NodeAccount;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The set-up the Kubernetes-mode e2e tests (and KubeAutoscaleBench) share on the real API server, for one
 * test run ({@code run}: the label of its Node objects): the CRDs, the scheduler's account and the test's
 * namespace; Node objects; {@code vmflex daemon --kubeconfig} processes acting as the node's service account
 * and {@code vmflex scheduler} processes as the scheduler's, started through {@link ClusterProcesses}, each
 * node's state dir, socket and log under {@link #work}.
 *
 * <p>Not thread-safe: the test class's own thread.
 */
public final class KubeTestCluster {

    /** The guest images ({@code -Dvmflex.images}, by default the repository's build/images). */
    public static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();

    /** Where a node daemon reaches the permit API of a scheduler started by {@link #startPermitScheduler}. */
    public record Permits(int port, Path ca, Path token) {
        /** The daemon's flags to ask this scheduler for permits. */
        public List<String> daemonFlags() {
            return List.of("--scheduler-url", "https://127.0.0.1:" + port, "--scheduler-ca", ca.toString(),
                    "--scheduler-token-file", token.toString());
        }
    }

    private final KubeApiServer kube;
    /** The objects and accounts on the API server. */
    public final SchedulerTestCluster api;
    /** This run's scratch directory: a folder per node daemon, the schedulers' logs. */
    public final Path work;
    private final String run;
    private final ClusterProcesses processes;
    private final Map<String, Integer> migrationPorts = new LinkedHashMap<>();
    private final List<String> daemonPods = new ArrayList<>();
    private Path nodeConfig;

    private KubeTestCluster(KubeApiServer kube, String run, Path work, ClusterProcesses processes) {
        this.kube = kube;
        this.api = new SchedulerTestCluster(kube);
        this.run = run;
        this.work = work;
        this.processes = processes;
    }

    /** Skips the calling test (saying why on stderr, so that the skip is seen) when the test image is not built. */
    public static void assumeTestImage(String test) {
        String skip = !Files.exists(IMAGES.resolve("test/manifest.json")) ? "test image not built in " + IMAGES : null;
        if (skip != null) {
            System.err.println("SKIPPED " + test + ": " + skip);
        }
        assumeTrue(skip == null, skip);
    }

    /**
     * Installs the CRDs and the scheduler's account, makes {@code namespace}, and a scratch directory
     * {@code /tmp/<workPrefix>...}; the processes go into {@code processes}, which the test closes.
     */
    public static KubeTestCluster install(KubeApiServer kube, String run, String namespace, String workPrefix,
                                          ClusterProcesses processes) throws IOException {
        KubeTestCluster c = new KubeTestCluster(kube, run, Files.createTempDirectory(Path.of("/tmp"), workPrefix), processes);
        c.api.install();
        c.api.namespace(namespace);
        return c;
    }

    /**
     * VirtualMachineMigrations established, and the Secret vmflex-system/vmflex-cluster with which the
     * node daemons take migrations (made once per API server: another test class may have made it).
     */
    public void enableMigrations() {
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/virtualmachinemigrations.vm.neon.tech").orFail();
        if (!kube.kubectl("get", "secret", "vmflex-cluster", "-n", "vmflex-system").ok()) {
            kube.kubectl("create", "secret", "generic", "vmflex-cluster", "-n", "vmflex-system",
                    "--from-literal=secret=" + run + "-0123456789abcdef0123456789abcdef0123456789").orFail();
        }
    }

    /** A VM node of this run, tainted so that only VMs tolerating the run land there. */
    public void node(String name, String cpu, String memory) {
        api.node(run, name, cpu, memory, Map.of());
    }

    /** A VM node of this run without the run's taint: for VMs that tolerate nothing (VMs tolerate the VM-node taint by definition). */
    public void nodeForAnyVm(String name, String cpu, String memory) {
        node(name, cpu, memory);
        kube.kubectl("taint", "node", name, SchedulerTestCluster.RUN_KEY + "-").orFail();
    }

    /** {@code node}'s daemon's state dir (its socket and log are in it). */
    public Path nodeDir(String node) {
        return work.resolve(node);
    }

    public Path socket(String node) {
        return nodeDir(node).resolve("vmmd.sock");
    }

    /**
     * Starts {@code vmflex daemon --kubeconfig --no-network} for {@code node} (process name {@code node})
     * with {@code extraFlags}; a name used again is a restart, with the same state dir.
     */
    public Process startDaemon(String node, List<String> extraFlags) throws IOException {
        if (nodeConfig == null) {
            nodeConfig = NodeAccount.kubeconfig(kube);
        }
        Path dir = Files.createDirectories(nodeDir(node));
        List<String> args = new ArrayList<>(List.of("daemon", "--kubeconfig", nodeConfig.toString(),
                "--state-dir", dir.toString(), "--socket", socket(node).toString(), "--node-name", node,
                "--no-network", "--image-dir", IMAGES.toString(), "--cgroup-parent", "vmflex-test-" + node));
        args.addAll(extraFlags);
        return processes.start(node, dir.resolve("daemon.log"), args.toArray(String[]::new));
    }

    /**
     * {@link #startDaemon} taking migrations on a loopback port of its own, the same one on a restart. With the
     * Secret vmflex-cluster in the API every node daemon listens for migrations, by default on 127.0.0.1:7451:
     * each test's daemons need ports of their own.
     */
    public Process startDaemonTakingMigrations(String node) throws IOException {
        int port = migrationPorts.computeIfAbsent(node, n -> freePort());
        return startDaemon(node, List.of("--migration-listen", "127.0.0.1:" + port));
    }

    public int migrationPort(String node) {
        Integer port = migrationPorts.get(node);
        if (port == null) {
            throw new IllegalArgumentException("no daemon taking migrations on " + node);
        }
        return port;
    }

    /** Waits until each daemon taking migrations has annotated its Node with where it takes them. */
    public void awaitMigrationAddresses() {
        Awaitility.await("the Nodes annotated with their migration address").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> migrationPorts.entrySet().stream().allMatch(e ->
                        ("127.0.0.1:" + e.getValue()).equals(kube.kubectl("get", "node", e.getKey(),
                                "-o", "jsonpath={.metadata.annotations.vmflex\\.io/migration-address}").orFail())));
    }

    /**
     * Starts {@code vmflex scheduler} as the scheduler's service account competing for this run's Lease, with
     * {@code extraFlags}; process name {@code identity}, log {@code <work>/<identity>.log}.
     */
    public Process startScheduler(String identity, String... extraFlags) throws IOException {
        List<String> args = new ArrayList<>(List.of("scheduler", "--kubeconfig", api.schedulerKubeconfig().toString(),
                "--identity", identity, "--lease-name", run));
        args.addAll(List.of(extraFlags));
        return processes.start(identity, work.resolve(identity + ".log"), args.toArray(String[]::new));
    }

    /**
     * Starts the scheduler (identity {@code run}) serving permits on a free loopback port, waits until it
     * leads and has published its CA, and makes {@code node}'s DaemonSet pod and the pod-bound token the
     * kubelet would project into it: what {@code node}'s daemon needs to ask for permits.
     */
    public Permits startPermitScheduler(String node) throws IOException {
        int port = freePort();
        // a CA an earlier scheduler published would end the wait below before this one leads
        api.admin.configMaps().inNamespace(PermitFixture.NS).withName(PermitTls.CONFIG_MAP).delete();
        startScheduler(run, "--permit-listen", "127.0.0.1:" + port, "--permit-host", "127.0.0.1");
        Awaitility.await("the leading scheduler publishes its permit CA").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> !PermitTls.readPublished(api.admin, PermitFixture.NS).isEmpty());
        Path ca = work.resolve("scheduler-ca.crt");
        Files.writeString(ca, api.admin.configMaps().inNamespace(PermitFixture.NS).withName(PermitTls.CONFIG_MAP).get()
                .getData().get(PermitTls.KEY));

        PermitFixture fixture = new PermitFixture(api.admin);
        fixture.serviceAccount("vmflex-node");
        String podName = run + "-node";
        Pod pod = fixture.daemonPod(podName, "vmflex-node", node);
        daemonPods.add(podName);
        Path token = work.resolve("token");
        Files.writeString(token, fixture.podToken("vmflex-node", pod));
        return new Permits(port, ca, token);
    }

    /** Deletes this run's Node objects and the daemon pods it made (after the processes have stopped). */
    public void deleteNodes() {
        api.admin.nodes().withLabel(SchedulerTestCluster.RUN_KEY, run).delete();
        for (String pod : daemonPods) {
            api.admin.pods().inNamespace(PermitFixture.NS).withName(pod).delete();
        }
    }

    public static int freePort() {
        try (ServerSocket free = new ServerSocket(0)) {
            return free.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
