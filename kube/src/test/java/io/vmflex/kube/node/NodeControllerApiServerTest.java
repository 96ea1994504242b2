package io.vmflex.kube.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.kube.testing.NodeAccount;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node controller against a real kube-apiserver, acting with only the RBAC the node's service
 * account gets (impersonated), over a daemon kept in memory ({@link FakeNodeVms}; the real daemon
 * with QEMU is cli's KubeNodeIT): adoption with the finalizer, status through the status subresource,
 * a person's patch, an invalid spec, a conflicting write, the API server killed and back, delete.
 */
@ExtendWith(KubeApiServerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeControllerApiServerTest {
    private static final String NODE = "fake-node-1";
    private static final Path CRDS = Path.of("../deploy/crds");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static KubeApiServer kube;
    private static KubernetesClient asNode;
    private static FakeNodeVms daemon;
    private static NodeController controller;

    @BeforeAll
    static void start(KubeApiServer server) throws Exception {
        kube = server;
        kube.kubectl("apply", "-f", CRDS.toString()).orFail();
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/virtualmachines.vm.neon.tech").orFail();
        if (!kube.kubectl("get", "namespace", "ctl").ok()) {
            kube.kubectl("create", "namespace", "ctl").orFail();
        }
        // Only the verbs the node daemon is given: if the controller used another, these tests fail.
        Path kubeconfig = NodeAccount.kubeconfig(kube);
        asNode = NodeClients.forNode(Config.fromKubeconfig(Files.readString(kubeconfig)));
        daemon = new FakeNodeVms();
        controller = NodeController.start(asNode, NODE, daemon, Clock.systemUTC(),
                new NodeController.Settings(Duration.ofSeconds(30), Duration.ofMillis(100), 2, Duration.ofSeconds(1)));
        Awaitility.await("first list").atMost(WAIT).until(controller::listed);
    }

    @AfterAll
    static void stop() {
        if (controller != null) {
            controller.close();
        }
        if (asNode != null) {
            asNode.close();
        }
    }

    private static void applyVm(String name, String node, int cpus) {
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                  namespace: ctl
                  labels: {vmflex.io/node: %s}
                spec:
                  guest:
                    cpus: {min: 1, use: %d, max: 4}
                    memorySlotSize: 128Mi
                    memorySlots: {min: 2, use: 2, max: 8}
                    rootDisk: {image: test}
                """.formatted(name, node, cpus), "apply", "-f", "-").orFail();
    }

    private static JsonNode object(String name) throws Exception {
        return JSON.readTree(kube.kubectl("get", "neonvm", name, "-n", "ctl", "-o", "json").orFail());
    }

    private static String jsonpath(String name, String path) {
        return kube.kubectl("get", "neonvm", name, "-n", "ctl", "-o", "jsonpath={" + path + "}").orFail();
    }

    @Test
    @Order(1)
    void shouldRunABoundVmHoldItsFinalizerAndWriteItsStatus() throws Exception {
        applyVm("vm-a", NODE, 1);
        applyVm("elsewhere", "other-node", 1);
        Awaitility.await("status written").atMost(WAIT).ignoreExceptions()
                .until(() -> jsonpath("vm-a", ".status.phase").equals("Running"));
        JsonNode o = object("vm-a");
        assertTrue(o.path("metadata").path("finalizers").toString().contains(Ownership.FINALIZER), o.toString());
        assertEquals(NODE, o.path("status").path("node").asText());
        assertEquals("True", conditionStatus(o, "SpecValid"));
        String row = kube.kubectl("get", "neonvm", "vm-a", "-n", "ctl", "--no-headers").orFail();
        // NAME CPUS MEMORY POD EXTRAIP STATUS RESTARTS AGE: kubectl leaves the empty POD and EXTRAIP cells blank
        assertTrue(row.matches("vm-a\\s+1\\s+256Mi\\s+Running\\s+0\\s+\\S+\\s*"), row);
        assertTrue(daemon.vms.containsKey("ctl-vm-a-3"), daemon.vms.keySet().toString());
        assertFalse(daemon.vms.containsKey("ctl-elsewhere-3"), "a VM bound to another node is not run here");
        assertTrue(jsonpath("elsewhere", ".metadata.finalizers").isEmpty());
        // the daemon's events become Events on the object
        Awaitility.await("Started event").atMost(WAIT).until(() -> events("vm-a").contains("Started"));
    }

    @Test
    @Order(2)
    void shouldResizeOnAPersonsPatchAndShowIt() {
        kube.kubectl("patch", "neonvm", "vm-a", "-n", "ctl", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":2}]").orFail();
        Awaitility.await("resized").atMost(WAIT).until(() -> daemon.calls.contains("update ctl-vm-a-3 cpus 2"));
        Awaitility.await("status shows 2").atMost(WAIT).until(() -> jsonpath("vm-a", ".status.cpus").equals("2"));
    }

    @Test
    @Order(3)
    void shouldReportAnInvalidSpecAndKeepTheVmAsItWas() throws Exception {
        kube.kubectl("patch", "neonvm", "vm-a", "-n", "ctl", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":9}]").orFail();
        Awaitility.await("condition").atMost(WAIT).ignoreExceptions()
                .until(() -> "False".equals(conditionStatus(object("vm-a"), "SpecValid")));
        String message = condition(object("vm-a"), "SpecValid").path("message").asText();
        assertTrue(message.startsWith("spec.guest.cpus"), message);
        assertEquals(MilliCpu.ofCpus(2), daemon.vms.get("ctl-vm-a-3").spec().guest().cpus().use());
        Awaitility.await("InvalidSpec event").atMost(WAIT).until(() -> events("vm-a").contains("InvalidSpec"));
        kube.kubectl("patch", "neonvm", "vm-a", "-n", "ctl", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":3}]").orFail();
        Awaitility.await("valid again").atMost(WAIT).ignoreExceptions()
                .until(() -> "True".equals(conditionStatus(object("vm-a"), "SpecValid")) && jsonpath("vm-a", ".status.cpus").equals("3"));
    }

    /** A person's write lands between the controller's read and its status write (409): the controller reads again. */
    @Test
    @Order(4)
    void shouldRetryAStatusWriteThatConflictsAndKeepTheOtherWrite() {
        AtomicBoolean raced = new AtomicBoolean();
        long conflictsBefore = controller.statusConflicts();
        daemon.duringGet = () -> {
            // once the resize is applied: the controller's next look ends in a status write from what it read before
            var vm = daemon.vms.get("ctl-vm-a-3");
            if (vm != null && vm.spec().guest().cpus().use().equals(MilliCpu.ofCpus(4)) && raced.compareAndSet(false, true)) {
                kube.kubectl("label", "neonvm", "vm-a", "-n", "ctl", "--overwrite", "team=storage").orFail();
            }
        };
        kube.kubectl("patch", "neonvm", "vm-a", "-n", "ctl", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":4}]").orFail();
        Awaitility.await("status after the conflict").atMost(WAIT).until(() -> jsonpath("vm-a", ".status.cpus").equals("4"));
        assertTrue(raced.get());
        assertTrue(controller.statusConflicts() > conflictsBefore, "the write met the person's newer version");
        assertEquals("storage", jsonpath("vm-a", ".metadata.labels.team"));
        daemon.duringGet = () -> { };
    }

    @Test
    @Order(5)
    void shouldCatchUpAfterTheApiServerCameBack() throws Exception {
        kube.killApiServer();
        try {
            daemon.observe("ctl-vm-a-3", s -> s.withRestartCount(1));
            Thread.sleep(1500); // the controller tries, fails, backs off: nothing on the node may change meanwhile
            assertTrue(daemon.vms.containsKey("ctl-vm-a-3"));
        } finally {
            kube.startApiServerAgain();
        }
        Awaitility.await("status caught up").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> jsonpath("vm-a", ".status.restartCount").equals("1"));
        assertFalse(daemon.calls.stream().anyMatch(c -> c.startsWith("delete")), daemon.calls.toString());
    }

    @Test
    @Order(6)
    void shouldStopTheVmOnDeleteThenLetTheObjectGo() {
        kube.kubectl("delete", "neonvm", "vm-a", "-n", "ctl", "--wait=false").orFail();
        Awaitility.await("object gone").atMost(WAIT).until(() -> !kube.kubectl("get", "neonvm", "vm-a", "-n", "ctl").ok());
        assertTrue(daemon.calls.contains("delete ctl-vm-a-3"), daemon.calls.toString());
        assertFalse(daemon.vms.containsKey("ctl-vm-a-3"));
    }

    private static String events(String name) {
        return kube.kubectl("get", "events", "-n", "ctl", "--field-selector", "involvedObject.name=" + name,
                "-o", "jsonpath={range .items[*]}{.reason} {.source.component}{\"\\n\"}{end}").orFail();
    }

    private static JsonNode condition(JsonNode o, String type) {
        for (JsonNode c : o.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return JSON.createObjectNode();
    }

    private static String conditionStatus(JsonNode o, String type) {
        return condition(o, type).path("status").asText(null);
    }
}
