package io.vmflex.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.client.AdminClient;
import io.vmflex.client.Response;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.kube.testing.Kubectl;
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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code vmflex daemon --kubeconfig} (the real command, as a process, acting as the node's service
 * account with only its RBAC) against a real kube-apiserver, with real QEMU and real kubectl, one VM
 * booted once and carried through: applied with the node label -> Running with its columns; a person's
 * {@code kubectl patch} of cpus and memory slots -> the guest sees them and {@code kubectl get neonvm}
 * (and {@code -w}) shows them; the admin socket refuses changes; the API server killed while QEMU
 * restarts -> status catches up; the daemon killed -9 while the object changes -> the same QEMU is
 * re-adopted and the change applied; {@code kubectl delete} -> QEMU stopped, the object gone.
 */
@Tag("qemu")
@ExtendWith(KubeApiServerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeNodeIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final String NODE = "kube-node-1";
    private static final String LOCAL = "demo-vm-a-4";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration BOOT = Duration.ofSeconds(120);

    private static KubeApiServer kube;
    private static Path state;
    private static Path socket;
    private static Path kubeconfig;
    private static Process daemon;
    private static int daemonRuns;
    private static AdminClient admin;
    private static Process watch;
    private static Path watchOut;
    private static long qemuPid;

    @BeforeAll
    static void start(KubeApiServer server) throws Exception {
        String skip = !Files.exists(IMAGES.resolve("test/manifest.json")) ? "test image not built in " + IMAGES : null;
        if (skip != null) {
            System.err.println("SKIPPED KubeNodeIT: " + skip);
        }
        assumeTrue(skip == null, skip);
        kube = server;
        kube.kubectl("apply", "-f", REPO.resolve("deploy/crds").toString()).orFail();
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/virtualmachines.vm.neon.tech").orFail();
        if (!kube.kubectl("get", "namespace", "demo").ok()) {
            kube.kubectl("create", "namespace", "demo").orFail();
        }
        kubeconfig = NodeAccount.kubeconfig(kube);
        state = Files.createTempDirectory(Path.of("/tmp"), "vmfx-kube");
        socket = state.resolve("vmmd.sock");
        daemon = startDaemon();
        admin = new AdminClient(socket, Duration.ofSeconds(10));
    }

    /**
     * The daemon as {@code vmflex daemon} runs it, on this JVM's class path (the test's own build of
     * the modules: the ./vmflex launcher would rebuild into the shared Maven repository).
     */
    private static Process startDaemon() throws IOException {
        Files.deleteIfExists(socket);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.vmflex.cli.Main", "daemon",
                "--kubeconfig", kubeconfig.toString(), "--state-dir", state.toString(), "--socket", socket.toString(),
                "--node-name", NODE, "--no-network", "--image-dir", IMAGES.toString(), "--cgroup-parent", "vmflex-test-kube"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(state.resolve("daemon-" + (++daemonRuns) + ".log").toFile()).start();
        Awaitility.await("vmflex daemon serving").atMost(Duration.ofSeconds(60)).until(() -> Files.exists(socket) || !p.isAlive());
        assertTrue(p.isAlive(), () -> "vmflex daemon exited: " + log());
        return p;
    }

    private static String log() {
        try {
            return Files.readString(state.resolve("daemon-" + daemonRuns + ".log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (watch != null) {
            watch.destroy();
        }
        if (kube != null && kube.kubectl("get", "neonvm", "vm-a", "-n", "demo").ok()) {
            kube.kubectl("delete", "neonvm", "vm-a", "-n", "demo", "--wait=true", "--timeout=60s");
        }
        if (daemon != null) {
            daemon.destroy();
            daemon.waitFor();
            System.out.println(log());
        }
        if (admin != null) {
            admin.close();
        }
        // A QEMU this test started and nobody stopped (a failed run): only that pid.
        if (qemuPid > 0) {
            ProcessHandle.of(qemuPid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static String get(String jsonpath) {
        return kube.kubectl("get", "neonvm", "vm-a", "-n", "demo", "-o", "jsonpath={" + jsonpath + "}").orFail();
    }

    private static List<String> row() {
        String line = kube.kubectl("get", "neonvm", "vm-a", "-n", "demo", "-o", "wide", "--no-headers").orFail().strip();
        return List.of(line.split("\\s+"));
    }

    private static JsonNode local() throws IOException {
        return JSON.readTree(admin.request("GET", "/v1/vms/" + LOCAL, null, null).requireSuccess().body());
    }

    private static long guestMemory() throws IOException {
        JsonNode total = local().path("status").path("guest").path("memoryTotal");
        return total.isMissingNode() || total.isNull() ? -1 : ByteQuantity.parse(total.asText()).bytes();
    }

    private static int guestCpus() throws IOException {
        return local().path("status").path("guest").path("cpusOnline").asInt(-1);
    }

    private static void patch(String path, int value) {
        kube.kubectl("patch", "neonvm", "vm-a", "-n", "demo", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"" + path + "\",\"value\":" + value + "}]").orFail();
    }

    @Test
    @Order(1)
    void shouldRunAVmAppliedWithTheNodeLabelAndShowItsColumns() throws Exception {
        watchOut = state.resolve("get-w.out");
        watch = new ProcessBuilder(Kubectl.binary(), "--kubeconfig=" + kube.kubeconfig(), "get", "neonvm", "-n", "demo", "-w")
                .redirectErrorStream(true).redirectOutput(watchOut.toFile()).start();
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: vm-a
                  namespace: demo
                  labels: {vmflex.io/node: kube-node-1}
                spec:
                  restartPolicy: Always
                  guest:
                    cpus: {min: 1, use: 1, max: 4}
                    memorySlotSize: 128Mi
                    memorySlots: {min: 2, use: 2, max: 8}
                    rootDisk: {image: test}
                """, "apply", "-f", "-").orFail();
        Awaitility.await("Running").atMost(BOOT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> get(".status.phase").equals("Running") && guestCpus() == 1);
        qemuPid = local().path("status").path("pid").asLong();
        List<String> cells = row();
        assertEquals(List.of("vm-a", "1", "256Mi"), cells.subList(0, 3), cells.toString());
        assertTrue(cells.contains("Running") && cells.contains(NODE), cells.toString());
        assertTrue(get(".metadata.finalizers").contains("vm.neon.tech/vmflex-node"));
        assertTrue(new String(admin.request("GET", "/v1/vms", null, null).requireSuccess().body(), StandardCharsets.UTF_8).contains(LOCAL), "vmctl get vms lists it");
    }

    @Test
    @Order(2)
    void shouldRefuseChangesThroughTheAdminSocket() throws Exception {
        Response r = admin.request("PATCH", "/v1/vms/" + LOCAL, "application/merge-patch+json",
                "{\"spec\":{\"guest\":{\"cpus\":{\"use\":3}}}}".getBytes(StandardCharsets.UTF_8));
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(409, r.status(), body);
        assertTrue(body.contains("managed by Kubernetes (demo/vm-a): use kubectl"), body);
        assertEquals(409, admin.request("DELETE", "/v1/vms/" + LOCAL, null, null).status());
        assertEquals(1, local().path("spec").path("guest").path("cpus").path("use").asInt());
    }

    @Test
    @Order(3)
    void shouldResizeLiveOnKubectlPatch() throws Exception {
        long t0 = System.nanoTime();
        patch("/spec/guest/cpus/use", 2);
        Awaitility.await("guest sees 2 vCPUs").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> guestCpus() == 2);
        System.out.printf("KubeNodeIT: kubectl patch -> guest sees the 2nd vCPU in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        Awaitility.await("kubectl shows 2").atMost(Duration.ofSeconds(30)).until(() -> row().get(1).equals("2"));

        long memoryBefore = guestMemory();
        patch("/spec/guest/memorySlots/use", 4);
        Awaitility.await("kubectl shows 512Mi").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> row().get(2).equals("512Mi"));
        Awaitility.await("guest sees 256 MiB more").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptions().until(() -> guestMemory() - memoryBefore >= 200L << 20);
        assertEquals(qemuPid, local().path("status").path("pid").asLong(), "resized live, not restarted");
        Awaitility.await("get -w shows the changes").atMost(Duration.ofSeconds(10)).until(() -> {
            List<String> lines = Files.readAllLines(watchOut);
            return lines.stream().anyMatch(l -> l.matches("vm-a\\s+2\\s+256Mi\\s.*"))
                    && lines.stream().anyMatch(l -> l.matches("vm-a\\s+2\\s+512Mi\\s.*"));
        });
    }

    @Test
    @Order(4)
    void shouldKeepVmsRunningWhileTheApiServerIsAwayAndCatchUp() throws Exception {
        kube.killApiServer();
        try {
            // Something the status must show changes while nobody can write it: QEMU dies and is restarted.
            ProcessHandle.of(qemuPid).ifPresent(ProcessHandle::destroyForcibly);
            Awaitility.await("restarted by the daemon").atMost(BOOT).ignoreExceptions()
                    .until(() -> local().path("status").path("pid").asLong() != qemuPid
                            && local().path("status").path("phase").asText().equals("Running"));
            qemuPid = local().path("status").path("pid").asLong();
        } finally {
            kube.startApiServerAgain();
        }
        Awaitility.await("status caught up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> get(".status.restartCount").equals("1") && get(".status.phase").equals("Running"));
        assertTrue(ProcessHandle.of(qemuPid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    @Order(5)
    void shouldReadoptTheVmAfterKill9AndApplyWhatChangedMeanwhile() throws Exception {
        Awaitility.await("guest back after the restart").atMost(BOOT).ignoreExceptions().until(() -> guestCpus() == 2);
        daemon.destroyForcibly();
        daemon.waitFor();
        assertTrue(ProcessHandle.of(qemuPid).map(ProcessHandle::isAlive).orElse(false), "QEMU outlives the daemon");
        patch("/spec/guest/cpus/use", 1);
        daemon = startDaemon();
        Awaitility.await("re-adopted and resized").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptions().until(() -> guestCpus() == 1 && get(".status.cpus").equals("1"));
        assertEquals(qemuPid, local().path("status").path("pid").asLong(), "the same QEMU");
    }

    @Test
    @Order(6)
    void shouldStopQemuOnKubectlDeleteThenLetTheObjectGo() {
        kube.kubectl("delete", "neonvm", "vm-a", "-n", "demo", "--wait=true", "--timeout=60s").orFail();
        assertFalse(kube.kubectl("get", "neonvm", "vm-a", "-n", "demo").ok());
        Awaitility.await("QEMU stopped").atMost(Duration.ofSeconds(10))
                .until(() -> !ProcessHandle.of(qemuPid).map(ProcessHandle::isAlive).orElse(false));
        assertEquals(404, admin.request("GET", "/v1/vms/" + LOCAL, null, null).status());
    }
}
