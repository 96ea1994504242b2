package io.vmflex.cli.e2e;

import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster as the DaemonSet and the Deployment would run it, without a kubelet: two node daemons
 * ({@code vmflex daemon --kubeconfig}, processes acting as the node's service account) and one
 * {@code vmflex scheduler} (as the scheduler's service account) against a real kube-apiserver, with
 * the Node objects a kubelet would register and real QEMU. The seed's {@code vm-compute-node}
 * manifest, applied with kubectl with only its image swapped for the test image, is placed by the
 * scheduler on the one node it fits, runs there, and a {@code kubectl patch} resizes it; a second VM
 * goes to the other node; a third fits nowhere and stays Pending with the reason, and runs once the
 * first is deleted.
 */
@Tag("qemu")
@ExtendWith(KubeApiServerExtension.class)
class KubeClusterIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path SEED = REPO.resolve("kube/src/test/resources/vm-compute-node.yaml");
    private static final String RUN = "kc" + ProcessHandle.current().pid();
    private static final String NODE_A = RUN + "-a";
    private static final String NODE_B = RUN + "-b";
    private static final Duration BOOT = Duration.ofSeconds(150);

    private static KubeApiServer kube;
    private static KubeTestCluster cluster;
    private static final ClusterProcesses processes = new ClusterProcesses();

    @BeforeAll
    static void start(KubeApiServer server) throws Exception {
        KubeTestCluster.assumeTestImage("KubeClusterIT");
        kube = server;
        cluster = KubeTestCluster.install(kube, RUN, "demo", "vmfx-kcluster", processes);
        // Node A holds the seed's 500m / 2Gi and nothing more of the others; node B one 1-CPU VM. Without the
        // run's taint: the seed manifest tolerates nothing.
        cluster.nodeForAnyVm(NODE_A, "1", "2Gi");
        cluster.nodeForAnyVm(NODE_B, "1", "1Gi");
        for (String node : List.of(NODE_A, NODE_B)) {
            // the Secret vmflex-cluster may be in this shared API server (another test class made it)
            cluster.startDaemonTakingMigrations(node);
        }
        cluster.startScheduler(RUN, "--permit-listen", "127.0.0.1:0");
    }

    @AfterAll
    static void stop() throws Exception {
        if (kube != null) {
            // While the daemons run: they stop the VMs and release their finalizers.
            for (String vm : List.of("vm-compute-node", RUN + "-second", RUN + "-third")) {
                kube.kubectl("delete", "neonvm", vm, "-n", "demo", "--ignore-not-found", "--wait=true", "--timeout=90s");
            }
        }
        processes.close();
        if (cluster != null) {
            cluster.deleteNodes();
        }
    }

    private static String get(String vm, String jsonpath) {
        return kube.kubectl("get", "neonvm", vm, "-n", "demo", "-o", "jsonpath={" + jsonpath + "}").orFail();
    }

    private static String testVm(String name) {
        return """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata: {name: %s, namespace: demo}
                spec:
                  schedulerName: autoscale-scheduler
                  guest:
                    cpus: {min: 1, use: 1, max: 2}
                    memorySlotSize: 128Mi
                    memorySlots: {min: 4, use: 4, max: 4}
                    rootDisk: {image: test}
                """.formatted(name);
    }

    @Test
    void shouldPlaceRunAndResizeVmsByWhatFitsAndRunAPendingOneOnceThereIsRoom() throws Exception {
        String seed = Files.readString(SEED).replace("image: postgres", "image: test");
        assertTrue(seed.contains("image: test"), "the seed names the postgres image");
        kube.kubectlWithInput(seed, "apply", "-f", "-").orFail();
        // Booted with its minimum (1 slot), then given its use (2 slots): Running at its use.
        Awaitility.await("seed placed on node A and Running at its use").atMost(BOOT).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> get("vm-compute-node", ".status.phase").equals("Running")
                        && get("vm-compute-node", ".status.memorySize").equals("2Gi"));
        assertEquals(NODE_A, cluster.api.boundNode("demo", "vm-compute-node"), "the only node with 2Gi");
        String row = kube.kubectl("get", "neonvm", "-n", "demo", "vm-compute-node", "-o", "wide", "--no-headers").orFail();
        assertTrue(row.contains("Running") && row.contains(NODE_A), row);

        kube.kubectl("patch", "neonvm", "vm-compute-node", "-n", "demo", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":2}]").orFail();
        Awaitility.await("kubectl get neonvm shows 2 CPUs").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> get("vm-compute-node", ".status.cpus").equals("2"));

        kube.kubectlWithInput(testVm(RUN + "-second"), "apply", "-f", "-").orFail();
        Awaitility.await("second VM Running on node B").atMost(BOOT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> get(RUN + "-second", ".status.phase").equals("Running"));
        assertEquals(NODE_B, cluster.api.boundNode("demo", RUN + "-second"));

        kube.kubectlWithInput(testVm(RUN + "-third"), "apply", "-f", "-").orFail();
        Awaitility.await("third VM Pending with why").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> get(RUN + "-third",
                        ".status.conditions[?(@.type==\"Scheduled\")].reason").equals("Unschedulable"));
        assertEquals("Pending", get(RUN + "-third", ".status.phase"));
        String why = get(RUN + "-third", ".status.conditions[?(@.type==\"Scheduled\")].message");
        assertTrue(why.contains(NODE_A) && why.contains(NODE_B), why);
        assertFalse(kube.kubectl("get", "neonvm", RUN + "-third", "-n", "demo", "-o", "jsonpath={.metadata.labels}").orFail()
                .contains("vmflex.io/node"), "not bound");

        kube.kubectl("delete", "neonvm", "vm-compute-node", "-n", "demo", "--wait=true", "--timeout=90s").orFail();
        Awaitility.await("third VM placed on node A and Running").atMost(BOOT).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> get(RUN + "-third", ".status.phase").equals("Running"));
        assertEquals(NODE_A, cluster.api.boundNode("demo", RUN + "-third"));
        System.out.printf("KubeClusterIT: the pending VM's reason: %s%n", why);
    }
}
