package io.vmflex.kube.migration;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.kube.node.FakeNodeVms;
import io.vmflex.kube.node.NodeClients;
import io.vmflex.kube.node.NodeController;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.kube.testing.NodeAccount;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The migration controllers of two nodes against a real kube-apiserver, with only the node account's
 * RBAC (impersonated), over daemons kept in memory whose "migrations" the test completes by moving the
 * VM from one fake daemon to the other (the real relayed migration is cli's KubeMigrationIT): the VMM
 * goes Running then Succeeded, the object follows to the target, the source never re-creates the VM
 * and the target never stops it; refusals end Failed at once; deleting a running VMM cancels it.
 */
@ExtendWith(KubeApiServerExtension.class)
class MigrationControllerApiServerTest {
    private static final String NS = "mig";
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Migrations that run until the test says how they end. */
    static final class ScriptedMigrations implements NodeMigrations {
        final Map<String, MigrationStatus> byId = new ConcurrentHashMap<>();
        final List<String> cancelled = new CopyOnWriteArrayList<>();

        @Override
        public String start(String localName, String target, Knobs knobs) {
            String id = "m-" + localName + "-" + byId.size();
            byId.put(id, MigrationStatus.preparing(id, localName, target, true, Instant.now()).withPhase(MigrationPhase.Migrating, "x"));
            return id;
        }

        @Override
        public Optional<MigrationStatus> get(String id) {
            return Optional.ofNullable(byId.get(id));
        }

        @Override
        public void cancel(String id) {
            cancelled.add(id);
            byId.computeIfPresent(id, (k, s) -> s.finished(MigrationPhase.Cancelled, null, "cancelled: asked", Instant.now()));
        }

        String only(String vm) {
            return byId.keySet().stream().filter(id -> id.contains(vm)).findFirst().orElse(null);
        }
    }

    private static KubeApiServer kube;
    private static final Map<String, FakeNodeVms> daemons = new ConcurrentHashMap<>();
    private static final Map<String, ScriptedMigrations> migrations = new ConcurrentHashMap<>();
    private static final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start(KubeApiServer server) throws Exception {
        kube = server;
        kube.kubectl("apply", "-f", Path.of("../deploy/crds").toString()).orFail();
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/virtualmachinemigrations.vm.neon.tech").orFail();
        if (!kube.kubectl("get", "namespace", NS).ok()) {
            kube.kubectl("create", "namespace", NS).orFail();
        }
        Path kubeconfig = NodeAccount.kubeconfig(kube);
        for (String node : List.of("mig-a", "mig-b")) {
            if (kube.client().nodes().withName(node).get() == null) {
                kube.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(node)
                        .withLabels(Map.of(MigrationController.VM_NODE_LABEL, "true")).endMetadata().build()).create();
            }
            KubernetesClient client = NodeClients.forNode(Config.fromKubeconfig(Files.readString(kubeconfig)));
            FakeNodeVms daemon = new FakeNodeVms();
            ScriptedMigrations scripted = new ScriptedMigrations();
            NodeController nodes = NodeController.start(client, node, daemon, Clock.systemUTC(),
                    new NodeController.Settings(Duration.ofSeconds(30), Duration.ofMillis(100), 2, Duration.ofSeconds(1)));
            MigrationController mc = MigrationController.start(client, node, nodes, scripted, Clock.systemUTC(), n -> { });
            closing.addAll(List.of(mc, nodes, client));
            ClusterMembership.annotateNode(client, node, "127.0.0.1:" + (node.equals("mig-a") ? 17451 : 17452), null).join();
            daemons.put(node, daemon);
            migrations.put(node, scripted);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private static void vm(String name, String node) {
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata: {name: %s, namespace: %s, labels: {vmflex.io/node: %s}}
                spec:
                  guest:
                    cpus: {min: 1, use: 1, max: 2}
                    memorySlotSize: 128Mi
                    memorySlots: {min: 2, use: 2, max: 4}
                    rootDisk: {image: test}
                """.formatted(name, NS, node), "apply", "-f", "-").orFail();
        String local = NS + "-" + name + "-" + NS.length();
        Awaitility.await(name + " runs on " + node).atMost(WAIT).until(() -> daemons.get(node).vms.containsKey(local));
    }

    private static void vmm(String name, String vm, String target) {
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachineMigration
                metadata: {name: %s, namespace: %s}
                spec: {vmName: %s, targetNode: %s}
                """.formatted(name, NS, vm, target), "apply", "-f", "-").orFail();
    }

    private static String get(String kind, String name, String path) {
        return kube.kubectl("get", kind, name, "-n", NS, "-o", "jsonpath={" + path + "}").orFail();
    }

    @Test
    void shouldSwitchTheObjectToTheTargetOnceTheDaemonsMigrationCompleted() {
        vm("moving", "mig-a");
        String local = NS + "-moving-3";
        vmm("move", "moving", "mig-b");
        Awaitility.await("Running").atMost(WAIT).until(() -> get("neonvmm", "move", ".status.phase").equals("Running"));
        assertEquals("mig-a", get("neonvmm", "move", ".status.sourceNode"));
        assertEquals("mig-b", get("neonvmm", "move", ".status.targetNode"));
        ScriptedMigrations a = migrations.get("mig-a");
        String id = a.only(local);
        assertTrue(id != null && a.byId.get(id).target().equals("127.0.0.1:17452"), "to mig-b's annotated address: " + a.byId);

        // The VM arrives on B before it leaves A's books, as a real commit does; then the source ends.
        VirtualMachine moved = daemons.get("mig-a").vms.get(local);
        daemons.get("mig-b").vms.put(local, moved);
        daemons.get("mig-a").vms.remove(local);
        a.byId.computeIfPresent(id, (k, s) -> s.withSwitchoverMs(120).finished(MigrationPhase.Completed, null, "done", Instant.now()));

        Awaitility.await("Succeeded").atMost(WAIT).until(() -> get("neonvmm", "move", ".status.phase").equals("Succeeded"));
        assertEquals("120", get("neonvmm", "move", ".status.downtimeMs"));
        assertEquals("mig-b", get("neonvm", "moving", ".metadata.labels.vmflex\\.io/node"));
        Awaitility.await("status.node mig-b").atMost(WAIT).until(() -> get("neonvm", "moving", ".status.node").equals("mig-b"));
        Awaitility.await("held for 3 s").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> daemons.get("mig-b").vms.containsKey(local) && !daemons.get("mig-a").vms.containsKey(local));
        assertEquals(1, daemons.get("mig-a").calls.stream().filter(c -> c.startsWith("create " + local)).count(),
                "A never ran it again: " + daemons.get("mig-a").calls);
        assertFalse(daemons.get("mig-b").calls.contains("delete " + local), "B never stopped it: " + daemons.get("mig-b").calls);
        assertTrue(daemons.get("mig-b").calls.stream().noneMatch(c -> c.startsWith("create " + local)), "B adopted, created nothing");
    }

    @Test
    void shouldFailAtOnceWhatCannotRun() {
        vm("staying", "mig-a");
        vmm("to-itself", "staying", "mig-a");
        vmm("to-nowhere", "staying", "mig-x");
        vmm("no-vm", "absent", "mig-b");
        Awaitility.await("all Failed").atMost(WAIT).until(() -> List.of("to-itself", "to-nowhere", "no-vm").stream()
                .allMatch(m -> get("neonvmm", m, ".status.phase").equals("Failed")));
        assertTrue(get("neonvmm", "to-itself", ".status.message").contains("is the node"));
        assertTrue(get("neonvmm", "to-nowhere", ".status.message").contains("does not exist"));
        assertTrue(get("neonvmm", "no-vm", ".status.message").contains("mig/absent does not exist"));
        assertTrue(migrations.get("mig-a").only(NS + "-staying-3") == null, "nothing started");
    }

    @Test
    void shouldCancelTheDaemonsMigrationWhenTheObjectIsDeletedMidWay() {
        vm("dropped", "mig-a");
        vmm("drop", "dropped", "mig-b");
        Awaitility.await("Running").atMost(WAIT).until(() -> get("neonvmm", "drop", ".status.phase").equals("Running"));
        kube.kubectl("delete", "neonvmm", "drop", "-n", NS).orFail();
        ScriptedMigrations a = migrations.get("mig-a");
        Awaitility.await("cancelled").atMost(WAIT).until(() -> a.cancelled.contains(a.only(NS + "-dropped-3")));
        assertEquals("mig-a", get("neonvm", "dropped", ".metadata.labels.vmflex\\.io/node"));
    }
}
