package io.vmflex.kube.placement;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.api.vm.Condition;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vmflex scheduler}'s placement against a real kube-apiserver, run as the vmflex-scheduler
 * service account with only the verbs its RBAC grants, with Node objects made as a kubelet makes them
 * and the user's view read through real kubectl.
 */
@ExtendWith(KubeApiServerExtension.class)
class PlacementSchedulerTest {

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static SchedulerTestCluster cluster;
    private static Path schedulerKubeconfig;

    private String run;
    private String ns;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void install(KubeApiServer kube) {
        cluster = new SchedulerTestCluster(kube);
        cluster.install();
        schedulerKubeconfig = cluster.schedulerKubeconfig();
    }

    @BeforeEach
    void namespace(TestInfo info) {
        run = "r" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
        ns = "sched-" + run;
        cluster.namespace(ns);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        cluster.cleanUp(run, ns);
    }

    /** A scheduler replica as the scheduler's account, with its own client; closed after the test. */
    private PlacementScheduler scheduler(String identity, boolean releaseOnClose) {
        KubernetesClient client = cluster.schedulerClient(schedulerKubeconfig);
        SchedulerSettings settings = SchedulerSettings.defaults(identity)
                .withLease(Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(500))
                .withReleaseOnClose(releaseOnClose);
        settings = new SchedulerSettings(settings.identity(), settings.leaseNamespace(), "sched-" + run,
                settings.leaseDuration(), settings.renewDeadline(), settings.retryPeriod(), false, releaseOnClose, 8);
        PlacementScheduler scheduler = new PlacementScheduler(client, settings, Clock.systemUTC());
        toClose.add(client);
        toClose.add(scheduler);
        scheduler.start();
        return scheduler;
    }

    private String vm(String name, String cpus, int slots) {
        return SchedulerTestCluster.vmYaml(ns, name, run, cpus, slots, Map.of());
    }

    private String awaitBound(String name) {
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                .until(() -> cluster.boundNode(ns, name) != null);
        return cluster.boundNode(ns, name);
    }

    private Condition scheduledCondition(String name) {
        NeonVm vm = cluster.vm(ns, name);
        if (vm == null || vm.getStatus() == null) {
            return null;
        }
        return vm.getStatus().conditions().stream().filter(c -> c.type().equals("Scheduled")).findFirst().orElse(null);
    }

    @Test
    void shouldSpreadVmsByWhatFitsAndKeepTheOneThatFitsNowherePendingUntilAVmIsDeleted() {
        String a = run + "-a";
        String b = run + "-b";
        cluster.node(run, a, "2", "4Gi", Map.of());
        cluster.node(run, b, "2", "4Gi", Map.of());
        // node a's DaemonSet pod takes half a CPU and a GiB: it has room for one 1-CPU, 2 GiB VM, b for two
        cluster.pod(ns, "daemon-a", a, "500m", "1Gi");
        scheduler("only", true);
        for (String name : List.of("vm1", "vm2", "vm3")) {
            cluster.applyVm(vm(name, "1", 2));
        }
        Map<String, String> placed = new java.util.TreeMap<>();
        for (String name : List.of("vm1", "vm2", "vm3")) {
            placed.put(name, awaitBound(name));
        }
        assertEquals(1, placed.values().stream().filter(a::equals).count(), placed.toString());
        assertEquals(2, placed.values().stream().filter(b::equals).count(), placed.toString());
        // the binding is the label and status.node; kubectl's wide view shows the node
        await().atMost(10, TimeUnit.SECONDS).until(() -> cluster.vm(ns, "vm3").getStatus() != null
                && placed.get("vm3").equals(cluster.vm(ns, "vm3").getStatus().node()));
        String wide = cluster.kube.kubectl("get", "neonvm", "vm3", "-n", ns, "-o", "wide").orFail();
        assertTrue(wide.contains(placed.get("vm3")), wide);
        assertEquals("True", scheduledCondition("vm3").status());

        cluster.applyVm(vm("vm4", "1", 2));
        await().atMost(30, TimeUnit.SECONDS).until(() -> scheduledCondition("vm4") != null);
        Condition why = scheduledCondition("vm4");
        assertEquals("False", why.status());
        assertEquals("Unschedulable", why.reason());
        assertTrue(why.message().contains(a + ": only 500m CPU, 1024 MiB free")
                && why.message().contains(b + ": only 0m CPU, 0 MiB free"), why.message());
        // what the user sees: kubectl get neonvm says Pending, the event says why
        String table = cluster.kube.kubectl("get", "neonvm", "vm4", "-n", ns).orFail();
        assertTrue(table.lines().skip(1).findFirst().orElseThrow().contains("Pending"), table);
        await().atMost(10, TimeUnit.SECONDS).until(() -> cluster.kube.kubectl("get", "events", "-n", ns,
                "--field-selector", "involvedObject.name=vm4,reason=FailedScheduling", "-o", "name").orFail().strip().length() > 0);
        Event event = cluster.admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> e.getInvolvedObject().getName().equals("vm4") && e.getReason().equals("FailedScheduling"))
                .findFirst().orElseThrow();
        assertEquals("vmflex-scheduler", event.getSource().getComponent());
        assertEquals(why.message(), event.getMessage());
        assertNull(cluster.boundNode(ns, "vm4"));

        // room appears on b: vm4 goes there, found by the watch (no polling)
        String onB = placed.entrySet().stream().filter(e -> e.getValue().equals(b)).findFirst().orElseThrow().getKey();
        cluster.kube.kubectl("delete", "neonvm", onB, "-n", ns).orFail();
        assertEquals(b, awaitBound("vm4"));
        await().atMost(10, TimeUnit.SECONDS).until(() -> "True".equals(scheduledCondition("vm4").status()));
    }

    @Test
    void shouldHonourNodeSelectorAndPlaceAVmOnANodeAddedLater() {
        cluster.node(run, run + "-ssd", "4", "8Gi", Map.of("disk", "ssd"));
        scheduler("only", true);
        cluster.applyVm(SchedulerTestCluster.vmYaml(ns, "wants-hdd", run, "1", 1, Map.of("disk", "hdd")));
        cluster.applyVm(SchedulerTestCluster.vmYaml(ns, "wants-ssd", run, "1", 1, Map.of("disk", "ssd")));
        assertEquals(run + "-ssd", awaitBound("wants-ssd"));
        await().atMost(30, TimeUnit.SECONDS).until(() -> scheduledCondition("wants-hdd") != null);
        assertTrue(scheduledCondition("wants-hdd").message().contains(run + "-ssd: nodeSelector disk=hdd not matched"),
                scheduledCondition("wants-hdd").message());
        cluster.node(run, run + "-hdd", "4", "8Gi", Map.of("disk", "hdd"));
        assertEquals(run + "-hdd", awaitBound("wants-hdd"));
    }

    @Test
    void standbyShouldBindWithinTheLeaseAfterTheLeaderIsKilled() {
        cluster.node(run, run + "-a", "8", "16Gi", Map.of());
        PlacementScheduler first = scheduler("first", false);
        first.leading().orTimeout(30, TimeUnit.SECONDS).join();
        PlacementScheduler second = scheduler("second", false);
        cluster.applyVm(vm("before", "1", 1));
        awaitBound("before");
        assertNull(second.controller(), "the standby must not place while the leader holds the Lease");

        // killed: no release, no more renewals; the Lease has to expire
        first.close();
        long killed = System.nanoTime();
        cluster.applyVm(vm("after", "1", 1));
        awaitBound("after");
        long tookMillis = (System.nanoTime() - killed) / 1_000_000;
        Duration lease = Duration.ofSeconds(4);
        // the standby's next attempt after expiry comes within its retry period (with fabric8's jitter: 2.2 x)
        assertTrue(tookMillis < lease.toMillis() + 2_200 + 2_000, "took " + tookMillis + " ms");
        System.err.printf("standby bound a new VM %d ms after the leader was killed (lease %d ms)%n", tookMillis, lease.toMillis());
        assertEquals("second", cluster.admin.leases().inNamespace("vmflex-system").withName("sched-" + run).get()
                .getSpec().getHolderIdentity());
    }

    @Test
    void aRestartedSchedulerShouldDeriveItsBooksFromTheApiAndNotDoubleBook() {
        String a = run + "-a";
        cluster.node(run, a, "2", "4Gi", Map.of());
        // one VM pinned by hand with the label: the scheduler only counts it
        cluster.applyVm(vm("pinned", "1", 2).replace("  namespace: " + ns + "\n",
                "  namespace: " + ns + "\n  labels:\n    vmflex.io/node: " + a + "\n"));
        PlacementScheduler first = scheduler("first", true);
        cluster.applyVm(vm("first", "500m", 1));
        assertEquals(a, awaitBound("first"));
        first.close();

        // a new scheduler knows nothing but what the API says: 500m and 1 GiB are left on a
        scheduler("second", true);
        cluster.applyVm(vm("too-big", "1", 1));
        cluster.applyVm(vm("fits", "500m", 1));
        assertEquals(a, awaitBound("fits"));
        await().atMost(30, TimeUnit.SECONDS).until(() -> scheduledCondition("too-big") != null);
        assertEquals("Unschedulable", scheduledCondition("too-big").reason());
        assertNull(cluster.boundNode(ns, "too-big"));
        // the pinned VM was not touched: no status.node written for it by the scheduler
        NeonVm pinned = cluster.vm(ns, "pinned");
        assertNotNull(pinned);
        assertEquals(a, pinned.getMetadata().getLabels().get(VmNodeContract.NODE_LABEL));
        assertTrue(pinned.getStatus() == null || pinned.getStatus().node() == null);
    }
}
