package io.vmflex.cli.e2e;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.vmflex.client.AdminClient;
import io.vmflex.kube.crd.NeonVmm;
import io.vmflex.kube.placement.SchedulerTestCluster;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.kube.watermark.MigrationContract;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scheduler leader killed during a watermark migration (issue 18's fault list): two {@code vmflex
 * scheduler} processes compete for one Lease, two {@code vmflex daemon --kubeconfig --no-network} node
 * processes take migrations on loopback, against a real kube-apiserver with real QEMU. A VM labelled
 * {@code auto-migration-enabled} is pinned to node A, which it fills past the watermark (1 CPU of 1); the
 * leader creates a VirtualMachineMigration to node B, capped by {@code --watermark-migration-bandwidth}
 * so that it is caught streaming. The leader is killed with SIGKILL then; the standby takes the Lease
 * and starts its watermark rounds while the migration still runs. It creates no second migration: the
 * one migration Succeeds, the VM runs on node B only (both daemons' admin sockets), its object says so,
 * and a migration applied with kubectl afterwards moves it back.
 */
@Tag("qemu")
@ExtendWith(KubeApiServerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeSchedulerFailoverIT {
    private static final String RUN = "kf" + ProcessHandle.current().pid();
    private static final String NODE_A = RUN + "-a";
    private static final String NODE_B = RUN + "-b";
    private static final String NS = "failover";
    private static final String VM = RUN + "-vm";
    private static final String LEADER = RUN + "-s1";
    private static final String STANDBY = RUN + "-s2";
    private static final Duration BOOT = Duration.ofSeconds(150);
    private static final String LEASE_NAMESPACE = "vmflex-system";

    private static KubeApiServer kube;
    private static KubeTestCluster cluster;
    private static final ClusterProcesses processes = new ClusterProcesses();

    @BeforeAll
    static void start(KubeApiServer server) throws Exception {
        KubeTestCluster.assumeTestImage("KubeSchedulerFailoverIT");
        kube = server;
        cluster = KubeTestCluster.install(kube, RUN, NS, "vmfx-kfail", processes);
        cluster.enableMigrations();
        // A: the VM's one CPU fills it past the watermark; B has room for it.
        cluster.node(NODE_A, "1", "2Gi");
        cluster.node(NODE_B, "4", "8Gi");
        for (String node : List.of(NODE_A, NODE_B)) {
            cluster.startDaemonTakingMigrations(node);
        }
        cluster.awaitMigrationAddresses();

        // the leader first, so that the test knows which one to kill; the standby then waits for the Lease
        scheduler(LEADER);
        Awaitility.await(LEADER + " leads").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> LEADER.equals(holder()));
        scheduler(STANDBY);
    }

    private static void scheduler(String identity) throws Exception {
        cluster.startScheduler(identity, "--lease-duration", "4s", "--renew-deadline", "3s", "--retry-period", "500ms",
                "--permit-listen", "127.0.0.1:0",
                // slow enough to be caught streaming (the guest's touched RAM takes tens of seconds)
                "--watermark-migration-bandwidth", "4Mi",
                // the hand-made migration back to A must not be answered by another watermark move
                "--migration-cooldown", "10m");
    }

    @AfterAll
    static void stop() throws Exception {
        if (kube != null) {
            // while the daemons run: they stop the VM and release its finalizer
            kube.kubectl("delete", "neonvm", VM, "-n", NS, "--ignore-not-found", "--wait=true", "--timeout=90s");
        }
        processes.close();
        if (cluster != null) {
            cluster.deleteNodes();
        }
    }

    private static String holder() {
        Lease lease = cluster.api.admin.leases().inNamespace(LEASE_NAMESPACE).withName(RUN).get();
        return lease == null ? null : lease.getSpec().getHolderIdentity();
    }

    /** The VirtualMachineMigrations of the test's VM, whoever made them. */
    private static List<NeonVmm> migrations() {
        return cluster.api.admin.resources(NeonVmm.class).inNamespace(NS).list().getItems().stream()
                .filter(m -> m.getSpec() != null && VM.equals(m.getSpec().vmName())).toList();
    }

    private static String phase(NeonVmm m) {
        return m.getStatus() == null || m.getStatus().phase() == null ? "" : m.getStatus().phase().name();
    }

    private static String vm(String jsonpath) {
        return kube.kubectl("get", "neonvm", VM, "-n", NS, "-o", "jsonpath={" + jsonpath + "}").orFail();
    }

    private static String vmm(String name, String jsonpath) {
        return kube.kubectl("get", "neonvmm", name, "-n", NS, "-o", "jsonpath={" + jsonpath + "}").orFail();
    }

    private static boolean runsOn(String node) {
        String local = NS + "-" + VM + "-" + NS.length();
        try (AdminClient c = new AdminClient(cluster.socket(node))) {
            return c.request("GET", "/v1/vms/" + local, null, null).status() == 200;
        }
    }

    @Test
    @Order(1)
    void shouldCreateNoSecondMigrationWhenTheLeaderIsKilledMidWay() throws Exception {
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                  namespace: %s
                  labels: {vmflex.io/node: %s, autoscaling.neon.tech/auto-migration-enabled: "true"}
                spec:
                  schedulerName: autoscale-scheduler
                  tolerations:
                  - {key: %s, operator: Exists, effect: NoSchedule}
                  guest:
                    cpus: {min: 1, use: 1, max: 1}
                    memorySlotSize: 128Mi
                    memorySlots: {min: 2, use: 2, max: 2}
                    rootDisk: {image: test}
                """.formatted(VM, NS, NODE_A, SchedulerTestCluster.RUN_KEY), "apply", "-f", "-").orFail();
        Awaitility.await("Running on node A").atMost(BOOT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> vm(".status.phase").equals("Running") && runsOn(NODE_A));

        // node A is over its watermark: the leader moves the VM to B
        Awaitility.await("the leader's migration streaming").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> {
                    List<NeonVmm> ms = migrations();
                    return ms.size() == 1 && phase(ms.getFirst()).equals("Running")
                            && "Migrating".equals(vmm(ms.getFirst().getMetadata().getName(), ".status.info.phase"));
                });
        NeonVmm made = migrations().getFirst();
        String name = made.getMetadata().getName();
        assertEquals(MigrationContract.CREATED_BY, made.getMetadata().getLabels().get(MigrationContract.CREATED_BY_LABEL));
        assertEquals(NODE_B, made.getSpec().targetNode());
        assertEquals(4L << 20, made.getSpec().maxBandwidth().bytes(), "--watermark-migration-bandwidth");

        processes.kill(LEADER);
        long killed = System.nanoTime();
        Awaitility.await("the standby takes the Lease").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> STANDBY.equals(holder()));
        long tookOver = (System.nanoTime() - killed) / 1_000_000;
        // the new leader's watermark rounds run while the migration still streams: that is the case under test
        Awaitility.await("the standby's watermark rounds started").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> Files.readString(cluster.work.resolve(STANDBY + ".log")).contains("watermark migrations on"));
        assertEquals("Running", phase(migrations().getFirst()),
                "the migration ended before the new leader looked; the test proves nothing then: raise the cap");

        Awaitility.await("migration Succeeded").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    String phase = vmm(name, ".status.phase");
                    assertFalse(phase.equals("Failed"), () -> "failed: " + vmm(name, ".status.message"));
                    return phase.equals("Succeeded");
                });
        Awaitility.await("object says node B").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> vm(".status.node").equals(NODE_B) && vm(".metadata.labels.vmflex\\.io/node").equals(NODE_B));
        // on B only, and the new leader makes no second migration of it (nor of anything it ran)
        Awaitility.await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> runsOn(NODE_B) && !runsOn(NODE_A) && migrations().size() == 1);
        assertEquals(List.of(name), migrations().stream().map(m -> m.getMetadata().getName()).toList());
        System.out.printf("KubeSchedulerFailoverIT: leader killed mid-migration, standby leading %d ms later; %s Succeeded"
                + " (total %s ms, downtime %s ms), one migration%n", tookOver, name, vmm(name, ".status.totalTimeMs"),
                vmm(name, ".status.downtimeMs"));
    }

    @Test
    @Order(2)
    void shouldMoveTheVmAgainWithAMigrationAppliedByHandUnderTheNewLeader() {
        assumeTrue(runsOn(NODE_B), "the first test moved the VM to node B");
        String back = RUN + "-back";
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachineMigration
                metadata: {name: %s, namespace: %s}
                spec:
                  vmName: %s
                  targetNode: %s
                """.formatted(back, NS, VM, NODE_A), "apply", "-f", "-").orFail();
        Awaitility.await("migration back Succeeded").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    String phase = vmm(back, ".status.phase");
                    assertFalse(phase.equals("Failed"), () -> "failed: " + vmm(back, ".status.message"));
                    return phase.equals("Succeeded");
                });
        Awaitility.await("object says node A").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> vm(".status.node").equals(NODE_A) && vm(".metadata.labels.vmflex\\.io/node").equals(NODE_A));
        Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                .until(() -> runsOn(NODE_A) && !runsOn(NODE_B));
        // node A is over its watermark again, but the VM is in its cooldown: still only the two migrations
        assertEquals(2, migrations().size());
        assertTrue(processes.process(STANDBY).isAlive(), "the new leader still leads");
    }
}
