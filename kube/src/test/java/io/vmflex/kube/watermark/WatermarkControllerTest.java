package io.vmflex.kube.watermark;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmflex.api.vm.VirtualMachineMigrationStatus.VmmPhase;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.kube.crd.NeonVmm;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vmflex.kube.placement.PlacementScheduler;
import io.vmflex.kube.placement.RequestCounter;
import io.vmflex.kube.placement.SchedulerSettings;
import io.vmflex.kube.placement.SchedulerTestCluster;
import io.vmflex.kube.placement.VmNodeContract;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.scheduler.watermark.WatermarkPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Watermark migrations of {@code vmflex scheduler} against a real kube-apiserver, the scheduler running
 * as its service account with only the verbs its RBAC grants. No node daemon runs: the VMs are made as
 * the daemons leave them (bound by label, {@code status.phase Running}, {@code status.node}), and where a
 * test needs a migration to end, it writes what the source daemon would.
 *
 * <p>Nodes of 16 vCPUs: the watermark is 14.4 vCPUs. Memory stays far from its watermark.
 */
@ExtendWith(KubeApiServerExtension.class)
class WatermarkControllerTest {

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
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/virtualmachinemigrations.vm.neon.tech").orFail();
        schedulerKubeconfig = cluster.schedulerKubeconfig();
    }

    @BeforeEach
    void namespace() {
        run = "w" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
        ns = "water-" + run;
        cluster.namespace(ns);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        toClose.clear();
        cluster.admin.resources(NeonVmm.class).inNamespace(ns).delete();
        cluster.cleanUp(run, ns);
    }

    /** A scheduler replica with watermark migrations, as the scheduler's account; closed after the test. */
    private AtomicReference<WatermarkController> scheduler(String identity, int maxPerNode) {
        return scheduler(identity, maxPerNode, cluster.schedulerClient(schedulerKubeconfig));
    }

    private AtomicReference<WatermarkController> scheduler(String identity, int maxPerNode, KubernetesClient client) {
        SchedulerSettings s = SchedulerSettings.defaults(identity);
        s = new SchedulerSettings(identity, s.leaseNamespace(), "water-" + run, Duration.ofSeconds(4), Duration.ofSeconds(3),
                Duration.ofMillis(500), false, true, 8);
        AtomicReference<WatermarkController> controller = new AtomicReference<>();
        WatermarkSettings watermark = new WatermarkSettings(true, 0.9, new WatermarkPolicy(maxPerNode, Duration.ofMinutes(5)));
        PlacementScheduler scheduler = new PlacementScheduler(client, s, Clock.systemUTC(),
                List.of(WatermarkController.work(watermark, identity, List::of, controller::set)));
        toClose.add(client);
        toClose.add(scheduler);
        scheduler.start();
        await().atMost(30, TimeUnit.SECONDS).until(() -> controller.get() != null);
        return controller;
    }

    private void close(AtomicReference<WatermarkController> which) throws Exception {
        // the scheduler that started it is the last one added
        AutoCloseable scheduler = toClose.removeLast();
        scheduler.close();
        toClose.removeLast().close();
        assertTrue(which.get() != null);
    }

    private String node(String suffix) {
        String name = run + "-" + suffix;
        cluster.node(run, name, "16", "64Gi", Map.of("zone", suffix));
        return name;
    }

    /**
     * A VM running on {@code node} as its daemon reports it: {@code cpus} vCPUs and as many GiB, created now
     * (the API server's creation time has whole seconds: tests that rely on age wait between VMs).
     */
    private void runningVm(String name, String node, int cpus, boolean autoMigration, Map<String, String> selector) {
        StringBuilder sel = new StringBuilder("    " + SchedulerTestCluster.RUN_KEY + ": " + run + "\n");
        selector.forEach((k, v) -> sel.append("    ").append(k).append(": ").append(v).append("\n"));
        String yaml = """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                  namespace: %s
                  labels:
                    vmflex.io/node: %s
                    autoscaling.neon.tech/auto-migration-enabled: "%s"
                spec:
                  schedulerName: autoscale-scheduler
                  nodeSelector:
                %s  tolerations:
                  - key: %s
                    operator: Exists
                    effect: NoSchedule
                  guest:
                    cpus: {min: 1, use: %d, max: %d}
                    memorySlotSize: 1Gi
                    memorySlots: {min: 1, use: %d, max: %d}
                    rootDisk: {image: test}
                """.formatted(name, ns, node, autoMigration, sel, SchedulerTestCluster.RUN_KEY, cpus, cpus, cpus, cpus);
        cluster.applyVm(yaml);
        cluster.admin.resources(NeonVm.class).inNamespace(ns).withName(name).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Running\",\"node\":\"" + node + "\"}}");
    }

    private void runningVm(String name, String node, int cpus, boolean autoMigration) {
        runningVm(name, node, cpus, autoMigration, Map.of());
    }

    private static void aSecondLater() throws InterruptedException {
        Thread.sleep(1_050);
    }

    private List<NeonVmm> migrations() {
        return cluster.admin.resources(NeonVmm.class).inNamespace(ns).list().getItems();
    }

    /** VM name → target node of every migration in the namespace. */
    private Map<String, String> moves() {
        Map<String, String> out = new TreeMap<>();
        for (NeonVmm m : migrations()) {
            out.put(m.getSpec().vmName(), m.getSpec().targetNode());
        }
        return out;
    }

    /** Waits for {@code rounds} more rounds after a change every round sees (a label on a VM node). */
    private void awaitRoundsAfterAChange(AtomicReference<WatermarkController> c, String node) {
        long before = c.get().rounds();
        cluster.admin.nodes().withName(node).edit(n -> {
            n.getMetadata().getLabels().put("vmflex.test/touched", String.valueOf(System.nanoTime()));
            return n;
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> c.get().rounds() > before);
    }

    @Test
    void shouldMoveExactlyTheOldestAutoMigrationEnabledVmsOffANodeOverItsWatermarkToTheRoomiestNode() throws Exception {
        String a = node("a");
        String b = node("b");
        String c = node("c");
        runningVm("fixed", a, 12, false);
        runningVm("filler-b", b, 8, false);
        runningVm("filler-c", c, 4, false);
        runningVm("z-old", a, 2, true);
        aSecondLater();
        runningVm("m-mid", a, 2, true);
        aSecondLater();
        runningVm("a-young", a, 2, true);
        // a holds 18 vCPUs against 14.4: the two oldest labelled VMs (4 vCPUs) bring it to 14
        RequestCounter requests = new RequestCounter();
        var controller = scheduler("only", 3, new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(schedulerKubeconfig)))
                .withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("count", requests)).build());

        await().atMost(30, TimeUnit.SECONDS).until(() -> migrations().size() >= 2);
        awaitRoundsAfterAChange(controller, a);
        // c has the most room for each (6 then 8 of 16, against b's 10)
        assertEquals(Map.of("z-old", c, "m-mid", c), moves());
        for (NeonVmm m : migrations()) {
            assertEquals("vmflex-scheduler", m.getMetadata().getLabels().get("vmflex.io/created-by"));
            assertEquals("watermark", m.getMetadata().getLabels().get("vmflex.io/reason"));
            assertTrue(m.getMetadata().getName().startsWith(m.getSpec().vmName() + "-"), m.getMetadata().getName());
        }
        assertEquals(2, controller.get().created());
        assertEquals(0, controller.get().nodesOver(), "a is below its watermark once its two VMs leave");
        assertEquals(2L, requests.snapshot().get("POST virtualmachinemigrations"), requests.snapshot().toString());

        // the node daemons' status writes wake rounds; the scheduler answers them from its watches alone
        Map<String, Long> before = requests.snapshot();
        long rounds = controller.get().rounds();
        for (int i = 0; i < 10; i++) {
            cluster.admin.resources(NeonVm.class).inNamespace(ns).withName("a-young").subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"restartCount\":" + i + "}}");
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> controller.get().rounds() > rounds);
        Map<String, Long> during = RequestCounter.minus(requests.snapshot(), before);
        assertTrue(during.keySet().stream().allMatch(k -> k.contains("leases") || k.startsWith("POST events")), during.toString());
        // what a person sees: kubectl lists them, Events on the VM and on the Node say why
        String table = cluster.kube.kubectl("get", "neonvmm", "-n", ns, "-o", "wide").orFail();
        assertTrue(table.contains("z-old") && table.contains("m-mid"), table);
        await().atMost(10, TimeUnit.SECONDS).until(() -> events(ns, "z-old").size() == 1 && events("default", a).size() == 2);
        Event onVm = events(ns, "z-old").getFirst();
        assertEquals(MigrationContract.EVENT_REASON, onVm.getReason());
        assertEquals(VmNodeContract.COMPONENT, onVm.getSource().getComponent());
        assertTrue(onVm.getMessage().contains("to " + c) && onVm.getMessage().contains("above its watermark"), onVm.getMessage());
    }

    private List<Event> events(String namespace, String about) {
        return cluster.admin.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> e.getInvolvedObject().getName().equals(about) && MigrationContract.EVENT_REASON.equals(e.getReason()))
                .toList();
    }

    @Test
    void shouldCreateNoMigrationBetweenTwoFullNodes() {
        String a = node("a");
        String b = node("b");
        runningVm("a-big", a, 12, true);
        runningVm("a-small", a, 3, true);
        runningVm("b-big", b, 12, true);
        runningVm("b-small", b, 3, true);
        var controller = scheduler("only", 3);
        awaitRoundsAfterAChange(controller, a);
        awaitRoundsAfterAChange(controller, b);
        assertEquals(List.of(), migrations());
        assertEquals(2, controller.get().nodesOver());
        assertEquals(0, controller.get().created());
    }

    @Test
    void shouldHonourTheLimitPerNodeCreateNothingTwiceAcrossARestartAndGoOnOnceTheMigrationEnded() throws Exception {
        String a = node("a");
        String b = node("b");
        runningVm("fixed", a, 12, false);
        runningVm("first", a, 2, true);
        aSecondLater();
        runningVm("second", a, 2, true);
        aSecondLater();
        runningVm("third", a, 2, true);
        // 18 vCPUs need two moves; one migration at a time touches a
        var controller = scheduler("one", 1);
        await().atMost(30, TimeUnit.SECONDS).until(() -> migrations().size() >= 1);
        awaitRoundsAfterAChange(controller, a);
        assertEquals(Map.of("first", b), moves());

        // a new leader reads the migration that exists: no duplicate
        close(controller);
        var next = scheduler("two", 1);
        awaitRoundsAfterAChange(next, a);
        awaitRoundsAfterAChange(next, b);
        assertEquals(Map.of("first", b), moves());
        assertEquals(0, next.get().created());

        // the source daemon carries it out: the VM now runs on b, the migration Succeeded
        NeonVmm done = migrations().getFirst();
        cluster.admin.resources(NeonVm.class).inNamespace(ns).withName("first")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"vmflex.io/node\":\"" + b + "\"}}}");
        cluster.admin.resources(NeonVm.class).inNamespace(ns).withName("first").subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"node\":\"" + b + "\"}}");
        cluster.admin.resources(NeonVmm.class).inNamespace(ns).withName(done.getMetadata().getName()).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Succeeded\",\"sourceNode\":\"" + a
                        + "\",\"targetNode\":\"" + b + "\"}}");
        // a still holds 16 > 14.4: the next oldest goes
        await().atMost(30, TimeUnit.SECONDS).until(() -> migrations().size() >= 2);
        awaitRoundsAfterAChange(next, a);
        assertEquals(Map.of("first", b, "second", b), moves());
    }

    @Test
    void shouldChooseTheTargetOfAMigrationSomeoneMadeWithoutOneOrFailItWhenNothingFits() {
        String a = node("a");
        String b = node("b");
        String c = node("c");
        runningVm("filler-b", b, 10, false);
        runningVm("filler-c", c, 4, false);
        runningVm("pg", a, 2, false);
        runningVm("pinned", a, 2, false, Map.of("zone", "a"));
        var controller = scheduler("only", 1);
        cluster.kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachineMigration
                metadata: {name: move-pg, namespace: %1$s}
                spec: {vmName: pg}
                ---
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachineMigration
                metadata: {name: move-pinned, namespace: %1$s}
                spec: {vmName: pinned}
                """.formatted(ns), "apply", "-f", "-").orFail();
        await().atMost(30, TimeUnit.SECONDS).until(() -> status("move-pg") != null && status("move-pg").targetNode() != null
                && status("move-pinned") != null && status("move-pinned").phase() != null);
        assertEquals(c, status("move-pg").targetNode());
        assertNull(status("move-pg").phase(), "the source daemon sets the phase, not the scheduler");
        assertEquals(VmmPhase.Failed, status("move-pinned").phase());
        assertTrue(status("move-pinned").message().contains("no node can take " + ns + "/pinned")
                && status("move-pinned").message().contains("nodeSelector zone=a not matched"), status("move-pinned").message());
        assertEquals(1, controller.get().targetsChosen());
        assertEquals(1, controller.get().failed());
        String wide = cluster.kube.kubectl("get", "neonvmm", "move-pg", "-n", ns, "-o", "wide").orFail();
        assertTrue(wide.contains(c), wide);
    }

    private io.vmflex.api.vm.VirtualMachineMigrationStatus status(String name) {
        NeonVmm m = cluster.admin.resources(NeonVmm.class).inNamespace(ns).withName(name).get();
        return m == null ? null : m.getStatus();
    }
}
