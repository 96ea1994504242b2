package io.vmflex.cli.e2e;

import io.vmflex.client.AdminClient;
import io.vmflex.client.Response;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * VirtualMachineMigrations carried out by the node daemons: two {@code vmflex daemon --kubeconfig}
 * processes as the node's service account (migration listeners on loopback, the cluster secret from
 * Secret vmflex-system/vmflex-cluster, no secret file) against a real kube-apiserver, real QEMU.
 * {@code kubectl apply} of a VirtualMachineMigration moves a running VM from node A to node B: the same
 * guest (its uptime goes on on B, no restart), the object bound to B, the migration Succeeded with its
 * downtime. A migration whose VM is deleted meanwhile ends Failed with no VM left on either node. The
 * target daemon killed mid-migration leaves the VM running on its source, the object saying so, and the
 * next migration succeeds. A migration deleted mid-way leaves the VM on its source. The API server killed
 * mid-migration: the daemons finish the move, and the object follows once the API server is back.
 */
@Tag("qemu")
@ExtendWith(KubeApiServerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeMigrationIT {
    private static final String RUN = "km" + ProcessHandle.current().pid();
    private static final String NODE_A = RUN + "-a";
    private static final String NODE_B = RUN + "-b";
    private static final String NS = "demo";
    private static final Duration BOOT = Duration.ofSeconds(150);
    private static final Pattern UPTIME = Pattern.compile("vmflex-guest: .*uptime=(\\d+)");

    private static KubeApiServer kube;
    private static KubeTestCluster cluster;
    private static final ClusterProcesses daemons = new ClusterProcesses();

    @BeforeAll
    static void start(KubeApiServer server) throws Exception {
        KubeTestCluster.assumeTestImage("KubeMigrationIT");
        kube = server;
        cluster = KubeTestCluster.install(kube, RUN, NS, "vmfx-kmig", daemons);
        cluster.enableMigrations();
        cluster.node(NODE_A, "4", "8Gi");
        cluster.node(NODE_B, "4", "8Gi");
        for (String node : List.of(NODE_A, NODE_B)) {
            cluster.startDaemonTakingMigrations(node);
        }
        cluster.awaitMigrationAddresses();
    }

    @AfterAll
    static void stop() throws Exception {
        if (kube != null) {
            for (String vm : List.of(RUN + "-one", RUN + "-two")) {
                kube.kubectl("delete", "neonvm", vm, "-n", NS, "--ignore-not-found", "--wait=true", "--timeout=90s");
            }
        }
        daemons.close();
        if (cluster != null) {
            cluster.deleteNodes();
        }
    }

    private static String vm(String name, String jsonpath) {
        return kube.kubectl("get", "neonvm", name, "-n", NS, "-o", "jsonpath={" + jsonpath + "}").orFail();
    }

    private static String vmm(String name, String jsonpath) {
        return kube.kubectl("get", "neonvmm", name, "-n", NS, "-o", "jsonpath={" + jsonpath + "}").orFail();
    }

    private static String local(String vm) {
        return NS + "-" + vm + "-" + NS.length();
    }

    private static Response admin(String node, String method, String path, String body) {
        try (AdminClient c = new AdminClient(cluster.socket(node))) {
            return c.request(method, path, body == null ? null : "application/json",
                    body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static boolean runsOn(String node, String vm) {
        return admin(node, "GET", "/v1/vms/" + local(vm), null).status() == 200;
    }

    /** The guest's uptime as its report loop last printed it on {@code node}'s console, -1 when none. */
    private static long uptime(String node, String vm) {
        Response r = admin(node, "GET", "/v1/vms/" + local(vm) + "/console", null);
        if (r.status() != 200) {
            return -1;
        }
        Matcher m = UPTIME.matcher(r.bodyText());
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    private static void createOn(String name, String node) {
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                  namespace: %s
                  labels: {vmflex.io/node: %s}
                spec:
                  guest:
                    cpus: {min: 1, use: 1, max: 2}
                    memorySlotSize: 128Mi
                    memorySlots: {min: 2, use: 2, max: 4}
                    rootDisk: {image: test}
                """.formatted(name, NS, node), "apply", "-f", "-").orFail();
        Awaitility.await(name + " Running on " + node).atMost(BOOT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> vm(name, ".status.phase").equals("Running") && uptime(node, name) >= 0);
    }

    private static void migrate(String name, String vm, String target, String extra) {
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachineMigration
                metadata: {name: %s, namespace: %s}
                spec:
                  vmName: %s
                  targetNode: %s
                %s""".formatted(name, NS, vm, target, extra), "apply", "-f", "-").orFail();
    }

    @Test
    @Order(1)
    void shouldMoveARunningVmToTheTargetNodeWhenAMigrationIsApplied() {
        String vm = RUN + "-one";
        createOn(vm, NODE_A);
        assertEquals(409, admin(NODE_A, "POST", "/v1/vms/" + local(vm) + "/migrate",
                "{\"target\":\"127.0.0.1:" + cluster.migrationPort(NODE_B) + "\"}").status(), "the admin socket sends to a VirtualMachineMigration");
        Awaitility.await("the guest has been up a few seconds").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> uptime(NODE_A, vm) >= 5);
        long before = uptime(NODE_A, vm);
        String restarts = vm(vm, ".status.restartCount"); // a guest that panicked at boot under a loaded TCG restarted once

        migrate(RUN + "-move", vm, NODE_B, "");
        Awaitility.await("migration Succeeded").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    String phase = vmm(RUN + "-move", ".status.phase");
                    assertFalse(phase.equals("Failed"), () -> "failed: " + vmm(RUN + "-move", ".status.message"));
                    return phase.equals("Succeeded");
                });
        String row = kube.kubectl("get", "neonvmm", RUN + "-move", "-n", NS, "--no-headers").orFail();
        assertTrue(row.contains(vm) && row.contains(NODE_A) && row.contains(NODE_B) && row.contains("Succeeded"), row);
        long downtime = Long.parseLong(vmm(RUN + "-move", ".status.downtimeMs"));
        long total = Long.parseLong(vmm(RUN + "-move", ".status.totalTimeMs"));
        long ram = Long.parseLong(vmm(RUN + "-move", ".status.ramTransferredBytes"));
        assertTrue(downtime > 0 && total >= downtime && ram > 0, row);

        assertEquals(NODE_B, vm(vm, ".metadata.labels.vmflex\\.io/node"));
        Awaitility.await("object says node B, Running").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> vm(vm, ".status.node").equals(NODE_B) && vm(vm, ".status.phase").equals("Running"));
        assertFalse(runsOn(NODE_A, vm), "gone from node A");
        Awaitility.await("the same guest reports on node B").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> uptime(NODE_B, vm) >= before);
        String console = admin(NODE_B, "GET", "/v1/vms/" + local(vm) + "/console", null).bodyText();
        assertFalse(console.contains("Linux version"), "no boot on node B");
        // Node A never runs it again, node B keeps it (the controllers' guards held through the switch).
        Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> !runsOn(NODE_A, vm) && runsOn(NODE_B, vm));
        assertEquals(restarts, vm(vm, ".status.restartCount"), "no restart for the move");
        System.out.printf("KubeMigrationIT: %s A->B total %d ms, downtime %d ms, RAM %d bytes, guest uptime %d s -> %d s%n",
                vm, total, downtime, ram, before, uptime(NODE_B, vm));
    }

    @Test
    @Order(2)
    void shouldFailAMigrationWhoseVmIsDeletedMeanwhileLeavingNoVmAnywhere() {
        String vm = RUN + "-two";
        createOn(vm, NODE_A);
        // 1 MiB/s: long enough to delete the VM while it streams.
        migrate(RUN + "-gone", vm, NODE_B, "  maxBandwidth: 1Mi\n");
        Awaitility.await("migration Running").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> vmm(RUN + "-gone", ".status.phase").equals("Running")
                        && vmm(RUN + "-gone", ".status.info.phase").equals("Migrating"));
        kube.kubectl("delete", "neonvm", vm, "-n", NS, "--wait=false").orFail();
        Awaitility.await("migration Failed").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> vmm(RUN + "-gone", ".status.phase").equals("Failed"));
        Awaitility.await("the VM object gone").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> !kube.kubectl("get", "neonvm", vm, "-n", NS).ok());
        Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30)).until(() -> !runsOn(NODE_A, vm) && !runsOn(NODE_B, vm));
        System.out.printf("KubeMigrationIT: deleted mid-way: %s%n", vmm(RUN + "-gone", ".status.message"));
    }

    @Test
    @Order(3)
    void shouldKeepTheVmOnItsSourceWhenTheTargetDaemonDiesAndMoveItNextTime() throws Exception {
        String vm = RUN + "-one"; // on node B since the first test
        assumeTrue(runsOn(NODE_B, vm), "the first test moved it to node B");
        long before = uptime(NODE_B, vm);
        migrate(RUN + "-back", vm, NODE_A, "  maxBandwidth: 1Mi\n");
        Awaitility.await("migration streaming").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> vmm(RUN + "-back", ".status.info.phase").equals("Migrating"));
        daemons.kill(NODE_A);
        Awaitility.await("migration Failed").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> vmm(RUN + "-back", ".status.phase").equals("Failed"));
        assertEquals(NODE_B, vm(vm, ".metadata.labels.vmflex\\.io/node"));
        assertTrue(runsOn(NODE_B, vm));
        Awaitility.await("still the same guest on B").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> uptime(NODE_B, vm) > before);
        String failed = vmm(RUN + "-back", ".status.message");

        cluster.startDaemonTakingMigrations(NODE_A);
        Awaitility.await("daemon A serving again").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> admin(NODE_A, "GET", "/v1/node", null).status() == 200);
        migrate(RUN + "-back-again", vm, NODE_A, "");
        Awaitility.await("next migration Succeeded").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    String phase = vmm(RUN + "-back-again", ".status.phase");
                    assertFalse(phase.equals("Failed"), () -> "failed: " + vmm(RUN + "-back-again", ".status.message"));
                    return phase.equals("Succeeded");
                });
        Awaitility.await("object says node A").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> vm(vm, ".status.node").equals(NODE_A) && runsOn(NODE_A, vm) && !runsOn(NODE_B, vm));
        Awaitility.await("the same guest reports on node A").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> uptime(NODE_A, vm) >= before);
        System.out.printf("KubeMigrationIT: target killed: %s; next migration downtime %s ms%n", failed,
                vmm(RUN + "-back-again", ".status.downtimeMs"));
    }

    @Test
    @Order(4)
    void shouldLeaveTheVmOnItsSourceWhenTheMigrationIsDeletedMidWay() {
        String vm = RUN + "-one"; // on node A since the third test
        assumeTrue(runsOn(NODE_A, vm), "the third test moved it back to node A");
        long before = uptime(NODE_A, vm);
        migrate(RUN + "-dropped", vm, NODE_B, "  maxBandwidth: 1Mi\n");
        Awaitility.await("migration streaming").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> vmm(RUN + "-dropped", ".status.info.phase").equals("Migrating"));
        kube.kubectl("delete", "neonvmm", RUN + "-dropped", "-n", NS).orFail();
        Awaitility.await("the VM on node A only, still the same guest").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> runsOn(NODE_A, vm) && !runsOn(NODE_B, vm)
                        && uptime(NODE_A, vm) > before && vm(vm, ".status.phase").equals("Running"));
        Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> runsOn(NODE_A, vm) && !runsOn(NODE_B, vm));
        assertEquals(NODE_A, vm(vm, ".metadata.labels.vmflex\\.io/node"));
        assertEquals(NODE_A, vm(vm, ".status.node"));
    }

    @Test
    @Order(5)
    void shouldFinishAMigrationWhoseApiServerRestartedMidWay() throws Exception {
        String vm = RUN + "-one"; // on node A since the third test
        assumeTrue(runsOn(NODE_A, vm), "the third test moved it back to node A");
        long before = uptime(NODE_A, vm);
        // Capped so that the copy takes ~15 s: uncapped on a quiet host it can end before a 200 ms poll sees it stream.
        migrate(RUN + "-outage", vm, NODE_B, "  maxBandwidth: 8Mi\n");
        Awaitility.await("migration streaming").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> vmm(RUN + "-outage", ".status.info.phase").equals("Migrating"));
        kube.killApiServer();
        try {
            // The daemons finish the move without the API server; the object cannot follow until it is back.
            Awaitility.await("the VM on node B").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> runsOn(NODE_B, vm) && !runsOn(NODE_A, vm));
        } finally {
            kube.startApiServerAgain();
        }
        Awaitility.await("migration Succeeded").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> vmm(RUN + "-outage", ".status.phase").equals("Succeeded"));
        Awaitility.await("object says node B").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> vm(vm, ".status.node").equals(NODE_B) && vm(vm, ".metadata.labels.vmflex\\.io/node").equals(NODE_B));
        Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> runsOn(NODE_B, vm) && !runsOn(NODE_A, vm));
        Awaitility.await("the same guest on node B").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> uptime(NODE_B, vm) >= before);
        System.out.printf("KubeMigrationIT: API server restarted mid-way: %s%n", vmm(RUN + "-outage", ".status.message"));
    }
}
