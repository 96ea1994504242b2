package io.vmflex.cli.e2e;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.cli.kube.KubeVmPatcher;
import io.vmflex.client.AdminClient;
import io.vmflex.client.Response;
import io.vmflex.kube.migration.VmNode;
import io.vmflex.kube.permit.PermitClient;
import io.vmflex.kube.permit.PermitFixture;
import io.vmflex.kube.permit.PermitServer;
import io.vmflex.kube.permit.PermitTls;
import io.vmflex.kube.placement.SchedulerTestCluster;
import io.vmflex.kube.placement.VmNodeContract;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.kube.testing.NodeAccount;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 18 end to end on namespace nodes ({@code VMFLEX_NODES_NO_DAEMONS=1 ci/nodes up 2}): two
 * {@code vmflex daemon --kubeconfig --scheduler-url} processes, each in its node's network namespace with
 * its own underlay address, VM network range and migration listener, acting as the node's service account
 * (a pod-bound token each, as the DaemonSet's pods would have), one {@code vmflex scheduler --watermark 0.6}
 * serving permits over HTTPS, the real kube-apiserver; real QEMU; the overlay's peers and the cluster
 * secret come from the Nodes and Secret vmflex-system/vmflex-cluster, not from files. The API server and
 * the permit API listen on the host's loopback: socat carries each into the node namespaces through a
 * Unix socket, so the kubeconfig's URL and the certificates are the same there.
 *
 * <ol>
 *   <li>pgbench from the client namespace (over the VXLAN overlay) against the PostgreSQL VM on node 1:
 *   nobody patches anything, yet the agent raises spec.guest.cpus.use past 1 (field manager vmflex-agent),
 *   the scheduler's permit counters show the grant, and after the load it goes back to 1. A permit
 *   request with no token or a forged one is refused 401, one from node 2's daemon account about node 1's
 *   VM 403.</li>
 *   <li>The VM made again (a QEMU that never had a vCPU unplugged, see the test) and, once pgbench runs,
 *   labelled for the agent and {@code autoscaling.neon.tech/auto-migration-enabled=true}: it grows, node 1
 *   (3 CPUs) passes its watermark, the scheduler creates a VirtualMachineMigration,
 *   and the VM moves to node 2 (4 CPUs, room below its watermark) while a client in the client
 *   namespace keeps one TCP connection through the guest's echo server (no reset, every byte back) and
 *   pgbench goes on with no failed transaction; {@code kubectl get neonvmm} shows it Succeeded with its
 *   downtime; node 2's agent shrinks the VM after the load.</li>
 * </ol>
 */
@Tag("qemu")
@ExtendWith(KubeApiServerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeNamespaceNodesIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path NODES = ROOT.resolve("ci/nodes");
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final Path STATE = Path.of("/var/lib/vmflex-nodes");
    private static final Path BRIDGES = Path.of("/run/vmfx-kns");
    private static final String RUN = "kns" + ProcessHandle.current().pid();
    private static final List<String> NODE = List.of(RUN + "-1", RUN + "-2");
    private static final String CLIENT_NODE = RUN + "-client";
    private static final String NS = "demo";
    private static final String VM = RUN + "-pg";
    private static final String LOCAL = PermitFixture.local(NS, VM);
    private static final int ECHO_PORT = 7000;
    private static final Pattern READY = Pattern.compile("vmflex-guest: postgres ready on ([0-9.]+):5432");
    private static final Pattern VERIFIED = Pattern.compile("verified=(\\d+)");

    private static KubeApiServer kube;
    private static SchedulerTestCluster cluster;
    private static Path work;
    private static int permitPort;
    private static boolean nodesUp;
    private static final List<Process> processes = new ArrayList<>();
    private static final List<String> tokens = new ArrayList<>();
    /** Seconds from pgbench's start to 2 CPUs in the first test, for the second's pgbench duration. */
    private static long growSeconds = -1;

    @BeforeAll
    static void start(KubeApiServer server) throws Exception {
        Optional<String> skip = missingPrerequisite();
        skip.ifPresent(why -> System.err.println("SKIPPED KubeNamespaceNodesIT: " + why));
        assumeTrue(skip.isEmpty(), () -> skip.orElse(""));
        kube = server;
        cluster = new SchedulerTestCluster(kube);
        cluster.install();
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/virtualmachinemigrations.vm.neon.tech").orFail();
        cluster.namespace(NS);
        if (!kube.kubectl("get", "secret", "vmflex-cluster", "-n", "vmflex-system").ok()) {
            kube.kubectl("create", "secret", "generic", "vmflex-cluster", "-n", "vmflex-system",
                    "--from-literal=secret=" + RUN + "-0123456789abcdef0123456789abcdef0123456789").orFail();
        }
        // Node 1 passes a 0.6 watermark when the VM goes from 1 to 2 CPUs (2 of 2.9 left by the daemon pod);
        // node 2 takes the 2-CPU VM and stays below its own (2 of 3.9).
        cluster.node(RUN, NODE.get(0), "3", "8Gi", Map.of());
        cluster.node(RUN, NODE.get(1), "4", "8Gi", Map.of());
        clientNode();

        work = Files.createTempDirectory(Path.of("/tmp"), "vmfx-kns");
        run(Duration.ofSeconds(60), Map.of(), NODES.toString(), "down");
        nodesUp = true;
        run(Duration.ofMinutes(2), Map.of("VMFLEX_NODES_NO_DAEMONS", "1"), NODES.toString(), "up", "2");
        Files.createDirectories(BRIDGES);

        try (ServerSocket free = new ServerSocket(0)) {
            permitPort = free.getLocalPort();
        }
        cluster.admin.configMaps().inNamespace(PermitFixture.NS).withName(PermitTls.CONFIG_MAP).delete();
        java(null, work.resolve("scheduler.log"), "scheduler", "--kubeconfig", cluster.schedulerKubeconfig().toString(),
                "--identity", RUN, "--lease-name", RUN, "--permit-listen", "127.0.0.1:" + permitPort,
                "--permit-host", "127.0.0.1", "--watermark", "0.6");
        Awaitility.await("the leading scheduler publishes its permit CA").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> !PermitTls.readPublished(cluster.admin, PermitFixture.NS).isEmpty());
        Path ca = work.resolve("scheduler-ca.crt");
        Files.writeString(ca, cluster.admin.configMaps().inNamespace(PermitFixture.NS).withName(PermitTls.CONFIG_MAP).get()
                .getData().get(PermitTls.KEY));

        int apiPort = kube.url().getPort();
        hostBridge("api", apiPort);
        hostBridge("permit", permitPort);
        PermitFixture fixture = new PermitFixture(cluster.admin);
        fixture.serviceAccount("vmflex-node");
        Path nodeConfig = NodeAccount.kubeconfig(kube);
        for (int k = 1; k <= 2; k++) {
            String ns = "vmfx-node-" + k;
            nsBridge(ns, "api", apiPort);
            nsBridge(ns, "permit", permitPort);
            Pod pod = fixture.daemonPod(RUN + "-node-" + k, "vmflex-node", NODE.get(k - 1));
            tokens.add(fixture.podToken("vmflex-node", pod));
            Path token = work.resolve("token-" + k);
            Files.writeString(token, tokens.getLast());
            Path state = STATE.resolve("node-" + k);
            Files.createDirectories(Path.of("/run/vmflex/node-" + k));
            String underlay = "10.231.0." + (10 + k);
            Process daemon = java(ns, state.resolve("vmmd.log"), "daemon", "--kubeconfig", nodeConfig.toString(),
                    "--state-dir", state.toString(), "--socket", socket(k).toString(), "--node-name", NODE.get(k - 1),
                    "--image-dir", IMAGES.toString(), "--cgroup-parent", "vmflex-kns-" + k,
                    "--vm-network", "10.78.0.0/24", "--vm-ip-range", "10.78.0." + (20 * k) + "-10.78.0." + (20 * k + 19),
                    "--underlay-address", underlay, "--migration-listen", underlay + ":7451",
                    "--scheduler-url", "https://127.0.0.1:" + permitPort, "--scheduler-ca", ca.toString(),
                    "--scheduler-token-file", token.toString());
            // ci/nodes down stops it (and its VMs) should this JVM die first
            Files.writeString(state.resolve("vmmd.pid"), Long.toString(daemon.pid()));
        }
        for (int k = 1; k <= 2; k++) {
            int n = k;
            Awaitility.await("node " + k + "'s daemon serves and its Node says where it takes migrations")
                    .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> admin(n, "GET", "/v1/node", null).status() == 200
                            && ("10.231.0." + (10 + n) + ":7451").equals(nodeAnnotation(NODE.get(n - 1), VmNode.MIGRATION_ADDRESS)));
            // The overlay's peers, from the Nodes' annotations: the other node and the client namespace.
            Awaitility.await("node " + k + "'s peers from the Nodes").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                        String peers = Files.readString(STATE.resolve("node-" + n).resolve("kube-peers.yaml"));
                        return peers.contains("10.231.0." + (13 - n)) && peers.contains("10.231.0.250");
                    });
        }
    }

    private static Optional<String> missingPrerequisite() {
        if (io.vmflex.sys.Libc.getuid() != 0) {
            return Optional.of("not root (network namespaces)");
        }
        if (!Files.isRegularFile(IMAGES.resolve("postgres/manifest.json"))) {
            return Optional.of("postgres image not built in " + IMAGES + " (rootfs/build-postgres-image.sh)");
        }
        for (String tool : List.of("/usr/bin/qemu-system-x86_64", "/usr/bin/pgbench", "/usr/bin/psql", "/usr/bin/socat")) {
            if (!Files.isExecutable(Path.of(tool))) {
                return Optional.of(tool + " not installed");
            }
        }
        return Optional.empty();
    }

    /**
     * The client namespace as a VM node nobody may use: the daemons take the overlay's peers from the VM
     * nodes' underlay annotations, and the client must be one of them for the VMs' answers to reach it.
     * Cordoned and tainted with what no VM tolerates, so neither placement nor a migration picks it.
     */
    private static void clientNode() {
        cluster.admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(CLIENT_NODE)
                .withLabels(Map.of(VmNodeContract.VM_NODE_LABEL, "true", SchedulerTestCluster.RUN_KEY, RUN))
                .withAnnotations(Map.of(VmNode.UNDERLAY_ADDRESS, "10.231.0.250")).endMetadata()
                .withNewSpec().withUnschedulable(true)
                .addNewTaint().withKey("vmflex.test/client-namespace").withValue("true").withEffect("NoSchedule").endTaint()
                .endSpec().build()).create();
        cluster.admin.nodes().withName(CLIENT_NODE).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"status\":{\"allocatable\":{\"cpu\":\"1\",\"memory\":\"1Gi\",\"pods\":\"1\"},"
                        + "\"capacity\":{\"cpu\":\"1\",\"memory\":\"1Gi\",\"pods\":\"1\"}}}");
    }

    private static Path socket(int k) {
        return Path.of("/run/vmflex/node-" + k + "/vmmd.sock");
    }

    /** In the host namespace: the Unix socket {@code name}.sock forwards to 127.0.0.1:port. */
    private static void hostBridge(String name, int port) throws IOException {
        Path sock = BRIDGES.resolve(name + ".sock");
        Files.deleteIfExists(sock);
        processes.add(new ProcessBuilder("socat", "UNIX-LISTEN:" + sock + ",fork", "TCP:127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(work.resolve("socat-" + name + ".log").toFile()).start());
        Awaitility.await(sock + " listening").atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sock));
    }

    /** In namespace {@code ns}: 127.0.0.1:port forwards to the host's Unix socket {@code name}.sock. */
    private static void nsBridge(String ns, String name, int port) throws IOException {
        processes.add(new ProcessBuilder("ip", "netns", "exec", ns, "socat",
                "TCP-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr", "UNIX-CONNECT:" + BRIDGES.resolve(name + ".sock"))
                .redirectErrorStream(true).redirectOutput(work.resolve("socat-" + ns + "-" + name + ".log").toFile()).start());
        // the daemon reads the cluster secret and the peers once at its start: the way must be open by then
        Awaitility.await(name + " reachable in " + ns).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> new ProcessBuilder("ip", "netns", "exec", ns, "curl", "-sk", "-o", "/dev/null", "--max-time", "5",
                        "https://127.0.0.1:" + port + "/").start().waitFor() == 0);
    }

    /** {@code vmflex ARGS} in its own JVM, in network namespace {@code ns} (null: the host's). */
    private static Process java(String ns, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        if (ns != null) {
            command.addAll(List.of("ip", "netns", "exec", ns));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.vmflex.cli.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        if (kube != null) {
            // While the daemons run: they stop the VM and release its finalizer.
            kube.kubectl("delete", "neonvm", VM, "-n", NS, "--ignore-not-found", "--wait=true", "--timeout=90s");
            for (String vmm : migrationsOf(VM)) {
                kube.kubectl("delete", "neonvmm", vmm, "-n", NS, "--ignore-not-found", "--wait=false");
            }
        }
        for (Process p : processes.reversed()) {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        if (cluster != null) {
            cluster.admin.nodes().withLabel(SchedulerTestCluster.RUN_KEY, RUN).delete();
            for (int k = 1; k <= 2; k++) {
                cluster.admin.pods().inNamespace(PermitFixture.NS).withName(RUN + "-node-" + k).delete();
            }
        }
        if (work != null) {
            for (Path log : List.of(STATE.resolve("node-1/vmmd.log"), STATE.resolve("node-2/vmmd.log"), work.resolve("scheduler.log"))) {
                if (Files.exists(log)) {
                    List<String> lines = Files.readAllLines(log);
                    System.out.println("--- " + log + " (last 50 lines)\n"
                            + String.join("\n", lines.subList(Math.max(0, lines.size() - 50), lines.size())));
                }
            }
        }
        if (nodesUp) {
            run(Duration.ofSeconds(60), Map.of(), NODES.toString(), "down");
            for (String sock : List.of("api.sock", "permit.sock")) {
                Files.deleteIfExists(BRIDGES.resolve(sock));
            }
        }
    }

    private static String run(Duration timeout, Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // gone
            }
        });
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        reader.join(Duration.ofSeconds(10));
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + out);
        }
        return out.toString();
    }

    private static Response admin(int node, String method, String path, String body) {
        try (AdminClient c = new AdminClient(socket(node))) {
            return c.request(method, path, body == null ? null : "application/json",
                    body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static boolean runsOn(int node) {
        return admin(node, "GET", "/v1/vms/" + LOCAL, null).status() == 200;
    }

    private static String console(int node) {
        Response r = admin(node, "GET", "/v1/vms/" + LOCAL + "/console", null);
        return r.status() == 200 ? r.bodyText() : "";
    }

    private static String nodeAnnotation(String node, String key) {
        var n = cluster.admin.nodes().withName(node).get();
        return n == null || n.getMetadata().getAnnotations() == null ? null : n.getMetadata().getAnnotations().get(key);
    }

    private static String vm(String jsonpath) {
        return kube.kubectl("get", "neonvm", VM, "-n", NS, "-o", "jsonpath={" + jsonpath + "}").orFail();
    }

    private static String vmm(String name, String jsonpath) {
        return kube.kubectl("get", "neonvmm", name, "-n", NS, "-o", "jsonpath={" + jsonpath + "}").orFail();
    }

    /** The VirtualMachineMigrations naming {@code vm}. */
    private static List<String> migrationsOf(String vm) {
        var list = kube.kubectl("get", "neonvmm", "-n", NS, "-o",
                "jsonpath={range .items[?(@.spec.vmName==\"" + vm + "\")]}{.metadata.name}{\"\\n\"}{end}");
        return list.ok() ? list.stdout().lines().filter(l -> !l.isBlank()).toList() : List.of();
    }

    private static List<String> pg(String ip, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", "vmfx-client", "env", "PGHOST=" + ip, "PGUSER=app",
                "PGPASSWORD=change-me", "PGDATABASE=appdb", "PGCONNECT_TIMEOUT=10"));
        c.addAll(List.of(command));
        return c;
    }

    /** A process whose output lines are collected as they come. */
    private record Running(Process process, List<String> lines) {
        static Running start(List<String> command) throws IOException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            processes.add(p);
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // ended
                }
            });
            return new Running(p, lines);
        }

        String output() {
            return String.join("\n", lines);
        }

        /** Waits for pgbench's end and checks it saw no failed transaction and no error. */
        String assertPgbenchClean(Duration timeout) throws InterruptedException {
            assertTrue(process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS), "pgbench did not finish:\n" + output());
            Thread.sleep(200); // the reader's last lines
            String out = output();
            assertEquals(0, process.exitValue(), out);
            assertTrue(out.contains("number of failed transactions: 0 "), out);
            List<String> errors = out.lines()
                    .filter(l -> l.contains("error") || l.contains("connection to server") || l.contains("FATAL")).toList();
            assertTrue(errors.isEmpty(), "pgbench reported errors: " + errors);
            return out;
        }
    }

    private static javax.net.ssl.SSLContext trustScheduler() throws Exception {
        var store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", PermitTls.readPublished(cluster.admin, PermitFixture.NS).getFirst());
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        var tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }

    private static String schedulerMetrics() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(trustScheduler()).build();
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + permitPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long counter(String metrics, String result) {
        String prefix = "vmflex_scheduler_permit_requests_total{result=\"" + result + "\"} ";
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> (long) Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElse(0);
    }

    /** The PostgreSQL VM on node 1, with the agent on or off. */
    private static void applyVm(boolean autoscaling) {
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %1$s
                  namespace: %2$s
                  labels: {vmflex.io/node: %3$s, autoscaling.neon.tech/enabled: "%7$s"}
                spec:
                  schedulerName: autoscale-scheduler
                  nodeSelector: {%4$s: %5$s}
                  tolerations:
                  - {key: %4$s, operator: Exists, effect: NoSchedule}
                  restartPolicy: Always
                  disks:
                  - name: pgdata
                    mountPath: /var/lib/postgresql
                    emptyDisk: {size: 1Gi, discard: true}
                  guest:
                    cpus: {min: 1, use: 1, max: 2}
                    memorySlotSize: 256Mi
                    memorySlots: {min: 2, use: 2, max: 4}
                    rootDisk: {image: postgres}
                    command: ["/usr/local/lib/vmflex/busybox", "nc", "-ll", "-p", "%6$d", "-e", "/bin/cat"]
                    env:
                    - {name: POSTGRES_USER, value: app}
                    - {name: POSTGRES_PASSWORD, value: change-me}
                    - {name: POSTGRES_DB, value: appdb}
                """.formatted(VM, NS, NODE.get(0), SchedulerTestCluster.RUN_KEY, RUN, ECHO_PORT, autoscaling), "apply", "-f", "-").orFail();
    }

    private static String vmIp() {
        return vm(".status.extraNetIP");
    }

    @Test
    @Order(1)
    void shouldGrowUnderPgbenchFromTheClientNamespaceThroughAnAuthenticatedPermitAndShrinkAfter() throws Exception {
        applyVm(true);
        long t0 = System.nanoTime();
        Awaitility.await("PostgreSQL ready in the VM on node 1, the echo server started").atMost(Duration.ofSeconds(240))
                .pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> vm(".status.phase").equals("Running")
                        && READY.matcher(console(1)).find() && console(1).contains("command started"));
        String ip = vmIp();
        Matcher ready = READY.matcher(console(1));
        assertTrue(ready.find());
        assertEquals(ip, ready.group(1), "the guest listens on the address the object shows");
        assertTrue(ip.matches("10\\.78\\.0\\.(2\\d|3\\d)"), "node 1 gives addresses from its range: " + ip);
        System.out.printf("KubeNamespaceNodesIT: PostgreSQL ready %.1f s after kubectl apply, at %s%n", (System.nanoTime() - t0) / 1e9, ip);

        // The boot's own load may have grown the VM: pgbench starts on a VM back at its minimum, so that
        // what grows it next is pgbench (-i is load already) and every grant counted after is pgbench's.
        Awaitility.await("the VM at one CPU before pgbench").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                .until(() -> vm(".status.cpus").equals("1")
                        && io.vmflex.api.vm.MilliCpu.parse(vm(".spec.guest.cpus.use")).millis() == 1000);
        String before = schedulerMetrics();
        long benchAt = System.nanoTime();
        run(Duration.ofSeconds(180), Map.of(), pg(ip, "pgbench", "-i", "-s", "1", "-q").toArray(String[]::new));
        Running bench = Running.start(pg(ip, "pgbench", "-c", "4", "-j", "2", "-T", "90", "-P", "10"));
        try {
            Awaitility.await("the agent raises the object's CPU until the 2nd vCPU is plugged under pgbench").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1)).until(() -> vm(".status.cpus").equals("2"));
            growSeconds = (System.nanoTime() - benchAt) / 1_000_000_000;
            // Above 1 CPU and within max; a fractional use such as 1250m already plugs the 2nd vCPU.
            long grownUse = io.vmflex.api.vm.MilliCpu.parse(vm(".spec.guest.cpus.use")).millis();
            assertTrue(grownUse > 1000 && grownUse <= 2000, "spec.guest.cpus.use grew within max: " + grownUse + "m");
            String managers = vm(".metadata.managedFields[*].manager");
            assertTrue(managers.contains(KubeVmPatcher.FIELD_MANAGER), "written by the node's agent: " + managers);
            String grown = schedulerMetrics();
            assertTrue(counter(grown, "granted") + counter(grown, "partial") > counter(before, "granted") + counter(before, "partial"),
                    "the increase was permitted over the permit API: " + grown);
            assertEquals(0, counter(grown, "unauthenticated") + counter(grown, "forbidden"), grown);
        } catch (AssertionError | RuntimeException e) {
            bench.process().destroyForcibly();
            System.out.println("KubeNamespaceNodesIT: pgbench so far:\n" + bench.output());
            throw e;
        }
        String out = bench.assertPgbenchClean(Duration.ofSeconds(150));
        System.out.println("KubeNamespaceNodesIT: pgbench on node 1:\n" + out);
        long loadEnd = System.nanoTime();
        Awaitility.await("back to one CPU after the load").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1))
                .until(() -> vm(".status.cpus").equals("1"));
        long shrinkSeconds = (System.nanoTime() - loadEnd) / 1_000_000_000;
        assertEquals(1000, io.vmflex.api.vm.MilliCpu.parse(vm(".spec.guest.cpus.use")).millis());
        assertEquals(NODE.get(0), vm(".status.node"));

        // The permit API refuses what no node daemon account may ask.
        String metrics = schedulerMetrics();
        URI permits = URI.create("https://127.0.0.1:" + permitPort + PermitServer.PERMITS);
        ResourceAmount one = new ResourceAmount(1000, 512L << 20);
        ResourceAmount two = new ResourceAmount(2000, 512L << 20);
        HttpResponse<String> none = HttpClient.newBuilder().sslContext(trustScheduler()).build().send(HttpRequest.newBuilder(permits)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(
                        PermitCodec.encode(PermitRequest.of(LOCAL, NODE.get(0), 1, one, two, null)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, none.statusCode(), none.body());
        String node1 = tokens.get(0);
        String forged = node1.substring(0, node1.lastIndexOf('.') + 1) + "c2lnbmF0dXJl";
        var invalid = assertThrows(PermitClient.PermitCallException.class,
                () -> permitClient(forged).requestPermit(PermitRequest.of(LOCAL, NODE.get(0), 1, one, two, null)));
        assertEquals(401, invalid.status(), invalid.getMessage());
        // node 2's own daemon account, about node 1's VM: naming itself, then naming node 1
        PermitClient node2 = permitClient(tokens.get(1));
        var foreign = assertThrows(PermitClient.PermitCallException.class,
                () -> node2.requestPermit(PermitRequest.of(LOCAL, NODE.get(1), 1, one, two, null)));
        assertEquals(403, foreign.status(), foreign.getMessage());
        var impostor = assertThrows(PermitClient.PermitCallException.class,
                () -> node2.requestPermit(PermitRequest.of(LOCAL, NODE.get(0), 1, one, two, null)));
        assertEquals(403, impostor.status(), impostor.getMessage());
        String after = schedulerMetrics();
        assertEquals(counter(metrics, "unauthenticated") + 2, counter(after, "unauthenticated"), after);
        assertEquals(counter(metrics, "forbidden") + 2, counter(after, "forbidden"), after);
        assertEquals(1000, io.vmflex.api.vm.MilliCpu.parse(vm(".spec.guest.cpus.use")).millis(), "nothing granted to them");
        System.out.printf("KubeNamespaceNodesIT: cpus.use 1 -> 2 %d s after pgbench -i started, back to 1 %d s after it ended;"
                + " refused: %s / %s / %s / %s%n", growSeconds, shrinkSeconds, none.body().strip(), invalid.getMessage(),
                foreign.getMessage(), impostor.getMessage());
    }

    private static PermitClient permitClient(String token) {
        return new PermitClient(URI.create("https://127.0.0.1:" + permitPort), () -> token,
                () -> PermitTls.readPublished(cluster.admin, PermitFixture.NS), Duration.ofSeconds(10));
    }

    private static long verified(Running client) {
        for (int i = client.lines().size() - 1; i >= 0; i--) {
            String line = client.lines().get(i);
            if (line.startsWith("result ") && !line.endsWith("error=none")) {
                throw new AssertionError("the client's connection broke: " + line);
            }
            Matcher m = VERIFIED.matcher(line);
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        return 0;
    }

    @Test
    @Order(2)
    void shouldMoveTheVmOffItsNodePastTheWatermarkWhileItsClientsStayConnected() throws Exception {
        // A VM whose QEMU never had a vCPU unplugged: QEMU before 10.2 under TCG keeps an unplugged vCPU's
        // memory listener, and the next migration's first dirty-log sync waits on that vCPU forever (the
        // daemon refuses such a move up front: NotMigratable). The first test's VM shrank; this one boots
        // and is initialised without the agent, which starts with pgbench, so nothing shrinks it before it
        // grows and moves.
        kube.kubectl("delete", "neonvm", VM, "-n", NS, "--ignore-not-found", "--wait=true", "--timeout=120s").orFail();
        Awaitility.await("the first test's VM gone from node 1").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> !runsOn(1) && !kube.kubectl("get", "neonvm", VM, "-n", NS).ok());
        applyVm(false);
        Awaitility.await("PostgreSQL ready in a new VM on node 1").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().until(() -> vm(".status.phase").equals("Running") && vm(".status.cpus").equals("1") && runsOn(1)
                        && READY.matcher(console(1)).find() && console(1).contains("command started"));
        String ip = vmIp();
        run(Duration.ofSeconds(180), Map.of(), pg(ip, "pgbench", "-i", "-s", "1", "-q").toArray(String[]::new));
        assertTrue(migrationsOf(VM).isEmpty(), "no migration before the VM may grow and move: " + migrationsOf(VM));

        Running client = Running.start(List.of("ip", "netns", "exec", "vmfx-client",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), EchoStream.class.getName(), ip, Integer.toString(ECHO_PORT)));
        Running bench = null;
        try {
            Awaitility.await("the client's stream echoed").atMost(Duration.ofSeconds(60)).until(() -> verified(client) > 20_000);
            // long enough to grow (as in the first test), pass the watermark and move, with load left on node 2
            long seconds = Math.max(120, (growSeconds < 0 ? 60 : growSeconds) + 100);
            bench = Running.start(pg(ip, "pgbench", "-c", "4", "-j", "2", "-T", Long.toString(seconds), "-P", "10"));
            kube.kubectl("label", "--overwrite", "neonvm", VM, "-n", NS, "autoscaling.neon.tech/enabled=true",
                    "autoscaling.neon.tech/auto-migration-enabled=true").orFail();
            long benchAt = System.nanoTime();
            Awaitility.await("the agent grows the VM on node 1").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> vm(".status.cpus").equals("2") || !migrationsOf(VM).isEmpty());
            long grewAt = (System.nanoTime() - benchAt) / 1_000_000;
            AtomicLong createdAt = new AtomicLong();
            Awaitility.await("the scheduler creates a VirtualMachineMigration off node 1").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500)).until(() -> !migrationsOf(VM).isEmpty());
            createdAt.set((System.nanoTime() - benchAt) / 1_000_000);
            String name = migrationsOf(VM).getFirst();
            Awaitility.await("migration " + name + " ended").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> List.of("Succeeded", "Failed").contains(vmm(name, ".status.phase")));
            assertEquals("Succeeded", vmm(name, ".status.phase"), () -> "migration " + name + ": " + vmm(name, ".status.message"));
            long movedAt = (System.nanoTime() - benchAt) / 1_000_000;
            assertTrue(bench.process().isAlive(), "pgbench ran through the move:\n" + bench.output());
            assertEquals(List.of(name), migrationsOf(VM), "one migration");
            String row = kube.kubectl("get", "neonvmm", name, "-n", NS, "--no-headers").orFail();
            assertTrue(row.contains(VM) && row.contains(NODE.get(0)) && row.contains(NODE.get(1)) && row.contains("Succeeded"), row);
            long downtime = Long.parseLong(vmm(name, ".status.downtimeMs"));
            long total = Long.parseLong(vmm(name, ".status.totalTimeMs"));
            assertTrue(downtime > 0 && total >= downtime, row);
            String creator = vmm(name, ".metadata.labels.vmflex\\.io/created-by");
            assertEquals("vmflex-scheduler", creator, "made by the scheduler");
            assertEquals("watermark", vmm(name, ".metadata.labels.vmflex\\.io/reason"));

            assertEquals(NODE.get(1), vm(".metadata.labels.vmflex\\.io/node"));
            Awaitility.await("the object says node 2, Running").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> vm(".status.node").equals(NODE.get(1)) && vm(".status.phase").equals("Running"));
            assertTrue(runsOn(2) && !runsOn(1), "on node 2 only");
            assertEquals(ip, vmIp(), "the VM keeps its address");
            long atNode2 = verified(client);
            Awaitility.await("the stream goes on through node 2").atMost(Duration.ofSeconds(60)).until(() -> verified(client) > atNode2 + 20_000);
            try (OutputStream in = client.process().getOutputStream()) {
                in.write("stop\n".getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(client.process().waitFor(90, TimeUnit.SECONDS), "client did not finish: " + client.output());
            String result = client.lines().stream().filter(l -> l.startsWith("result ")).findFirst().orElse("no result: " + client.output());
            assertTrue(result.endsWith("error=none"), result);

            String out = bench.assertPgbenchClean(Duration.ofSeconds(seconds + 60));
            long loadEnd = System.nanoTime();
            Awaitility.await("node 2's agent shrinks it after the load").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> vm(".status.cpus").equals("1"));
            long shrinkSeconds = (System.nanoTime() - loadEnd) / 1_000_000_000;
            assertEquals(NODE.get(1), vm(".status.node"));
            assertTrue(runsOn(2) && !runsOn(1));
            System.out.printf("KubeNamespaceNodesIT: under pgbench: 2 CPUs at %.1f s, migration %s (by %s) created at %.1f s,"
                            + " Succeeded at %.1f s: total %d ms, downtime %d ms; back to 1 CPU on node 2 %d s after the load;"
                            + " client %s%n%s%npgbench through the move:%n%s%n", grewAt / 1000.0, name, creator, createdAt.get() / 1000.0,
                    movedAt / 1000.0, total, downtime, shrinkSeconds, result, row, out);
        } catch (AssertionError | RuntimeException e) {
            System.out.println("KubeNamespaceNodesIT: client so far: " + client.lines().stream()
                    .filter(l -> l.startsWith("result ")).findFirst().orElse(client.lines().isEmpty() ? "" : client.lines().getLast())
                    + "\npgbench so far:\n" + (bench == null ? "" : bench.output()));
            throw e;
        } finally {
            client.process().destroyForcibly();
            if (bench != null) {
                bench.process().destroyForcibly();
            }
        }
    }
}
