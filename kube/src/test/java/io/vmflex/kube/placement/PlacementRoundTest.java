package io.vmflex.kube.placement;

import io.vmflex.api.vm.Condition;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.scheduler.core.Amount;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlacementRoundTest {

    private static final long GI = 1L << 30;
    private static final PlacementRound.Policy NAMED = new PlacementRound.Policy(false);
    private static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");

    static NodeInfo node(String name, long cpuMillis, long memGi) {
        return new NodeInfo(name, Map.of(VmNodeContract.VM_NODE_LABEL, "true"),
                List.of(new NodeTaint(VmNodeContract.VM_NODE_TAINT, "true", "NoSchedule")), true, false,
                new Amount(cpuMillis, memGi * GI));
    }

    static VmInfo pending(String name, long cpuMillis, long memGi, int order) {
        return vm(name, null, cpuMillis, memGi, order, NodeRequirements.NONE);
    }

    static VmInfo vm(String name, String bound, long cpuMillis, long memGi, int order, NodeRequirements req) {
        Amount use = new Amount(cpuMillis, memGi * GI);
        return new VmInfo("default", name, "uid-" + name, "1", T0.plusSeconds(order), bound,
                VmNodeContract.SCHEDULER_NAME, false, false, new Amount(0, 0), use, new Amount(8000, 64 * GI), req, null,
                null, null);
    }

    static List<Decision> plan(List<NodeInfo> nodes, List<VmInfo> vms) {
        return PlacementRound.plan(new ClusterSnapshot(nodes, Map.of(), vms), NAMED);
    }

    static Map<String, String> bindings(List<Decision> decisions) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (Decision d : decisions) {
            if (d instanceof Decision.Bind b) {
                out.put(b.vm().name(), b.node());
            }
        }
        return out;
    }

    @Test
    void shouldSpreadVmsByWhatFitsAndNeverOverbookInOneRound() {
        List<NodeInfo> nodes = List.of(node("a", 2000, 4), node("b", 2000, 4));
        List<VmInfo> vms = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            vms.add(pending("vm" + i, 1000, 2, i));
        }
        List<Decision> d = plan(nodes, vms);
        Map<String, String> bound = bindings(d);
        assertEquals(4, bound.size(), d.toString());
        assertEquals(2, bound.values().stream().filter("a"::equals).count());
        assertEquals(2, bound.values().stream().filter("b"::equals).count());
        // the youngest VM is the one left over
        Decision last = d.getLast();
        var u = assertInstanceOf(Decision.MarkUnschedulable.class, last);
        assertEquals("vm4", u.vm().name());
        assertEquals("0/2 VM nodes can run 1000m CPU, 2048 MiB: a: only 0m CPU, 0 MiB free; b: only 0m CPU, 0 MiB free",
                u.message());
    }

    @Test
    void shouldSubtractPodRequestsAndBoundVmsAtTheLargerOfSpecAndStatus() {
        NodeInfo a = node("a", 4000, 8);
        // pods take 1 CPU; a bound VM whose spec says 1 CPU but status still shows 2 (a downscale under way)
        VmInfo running = vm("running", "a", 2000, 2, 0, NodeRequirements.NONE);
        List<Decision> d = PlacementRound.plan(new ClusterSnapshot(List.of(a), Map.of("a", new Amount(1000, GI)),
                List.of(running, pending("fits", 1000, 5, 1), pending("too-big", 1000, 1, 2))), NAMED);
        assertEquals(Map.of("fits", "a"), bindings(d));
        var u = assertInstanceOf(Decision.MarkUnschedulable.class, d.get(1));
        assertEquals("0/1 VM nodes can run 1000m CPU, 1024 MiB: a: only 0m CPU, 0 MiB free", u.message());
    }

    @Test
    void shouldHonourNodeSelectorAffinityTaintsReadinessAndCordon() {
        NodeInfo ssd = new NodeInfo("ssd", Map.of(VmNodeContract.VM_NODE_LABEL, "true", "disk", "ssd"), List.of(), true, false,
                new Amount(4000, 8 * GI));
        NodeInfo hdd = new NodeInfo("hdd", Map.of(VmNodeContract.VM_NODE_LABEL, "true", "disk", "hdd"), List.of(), true, false,
                new Amount(4000, 8 * GI));
        NodeInfo notReady = new NodeInfo("down", Map.of("disk", "ssd"), List.of(), false, false, new Amount(4000, 8 * GI));
        NodeInfo cordoned = new NodeInfo("cordoned", Map.of("disk", "ssd"), List.of(), true, true, new Amount(4000, 8 * GI));
        NodeInfo tainted = new NodeInfo("gpu", Map.of("disk", "ssd"), List.of(new NodeTaint("gpu", "yes", "NoSchedule")), true,
                false, new Amount(4000, 8 * GI));
        NodeRequirements wantsSsd = new NodeRequirements(Map.of("disk", "ssd"), null, List.of());
        NodeRequirements notSsd = new NodeRequirements(Map.of(), List.of(new NodeSelectorTerm(
                List.of(new NodeSelectorTerm.Requirement("disk", "NotIn", List.of("ssd"))), List.of())), List.of());
        NodeRequirements gpu = new NodeRequirements(Map.of(), List.of(new NodeSelectorTerm(List.of(),
                List.of(new NodeSelectorTerm.Requirement("metadata.name", "In", List.of("gpu"))))),
                List.of(new Toleration("gpu", "Exists", null, "NoSchedule")));
        List<NodeInfo> nodes = List.of(ssd, hdd, notReady, cordoned, tainted);
        List<Decision> d = plan(nodes, List.of(vm("on-ssd", null, 500, 1, 0, wantsSsd), vm("off-ssd", null, 500, 1, 1, notSsd),
                vm("on-gpu", null, 500, 1, 2, gpu)));
        assertEquals(Map.of("on-ssd", "ssd", "off-ssd", "hdd", "on-gpu", "gpu"), bindings(d));

        NodeRequirements nowhere = new NodeRequirements(Map.of("disk", "nvme"), null, List.of());
        var u = assertInstanceOf(Decision.MarkUnschedulable.class,
                plan(nodes, List.of(vm("nvme", null, 500, 1, 0, nowhere))).getFirst());
        assertEquals("0/5 VM nodes can run 500m CPU, 1024 MiB: cordoned: cordoned; down: not Ready; gpu: nodeSelector "
                + "disk=nvme not matched; hdd: nodeSelector disk=nvme not matched; ssd: nodeSelector disk=nvme not matched", u.message());
        var tolerant = assertInstanceOf(Decision.MarkUnschedulable.class,
                plan(List.of(tainted), List.of(vm("plain", null, 500, 1, 0, NodeRequirements.NONE))).getFirst());
        assertEquals("0/1 VM nodes can run 500m CPU, 1024 MiB: gpu: taint gpu=yes:NoSchedule not tolerated", tolerant.message());
    }

    @Test
    void shouldNotRewriteAnUnschedulableConditionThatAlreadySaysWhy() {
        List<NodeInfo> nodes = List.of(node("a", 1000, 1));
        VmInfo big = pending("big", 2000, 1, 0);
        var first = assertInstanceOf(Decision.MarkUnschedulable.class, plan(nodes, List.of(big)).getFirst());
        VmInfo marked = new VmInfo(big.namespace(), big.name(), big.uid(), "2", big.createdAt(), null, big.schedulerName(),
                false, false, big.min(), big.use(), big.max(), big.requirements(), null,
                Condition.of(VmNodeContract.CONDITION_SCHEDULED, false, VmNodeContract.REASON_UNSCHEDULABLE, first.message(), T0),
                VmPhase.Pending);
        assertEquals(List.of(), plan(nodes, List.of(marked)));
        // room appears (a bigger node): it is bound despite its condition
        assertEquals(Map.of("big", "b"), bindings(plan(List.of(node("a", 1000, 1), node("b", 4000, 4)), List.of(marked))));
    }

    @Test
    void shouldPlaceOnlyItsOwnVmsAndCountEveryBoundOne() {
        VmInfo other = new VmInfo("default", "other", "u", "1", T0, null, "default-scheduler", false, false, Amount.ZERO,
                new Amount(500, GI), new Amount(500, GI), NodeRequirements.NONE, null, null, null);
        VmInfo unnamed = new VmInfo("default", "unnamed", "u2", "1", T0, null, null, false, false, Amount.ZERO,
                new Amount(500, GI), new Amount(500, GI), NodeRequirements.NONE, null, null, null);
        VmInfo pinned = new VmInfo("default", "pinned", "u3", "1", T0, "a", "default-scheduler", false, false, Amount.ZERO,
                new Amount(1600, GI), new Amount(1600, GI), NodeRequirements.NONE, null, null, null);
        List<NodeInfo> nodes = List.of(node("a", 2000, 4));
        assertEquals(List.of(), plan(nodes, List.of(other, unnamed)));
        var withUnnamed = PlacementRound.plan(new ClusterSnapshot(nodes, Map.of(), List.of(other, unnamed)),
                new PlacementRound.Policy(true));
        assertEquals(Map.of("unnamed", "a"), bindings(withUnnamed));
        // a VM pinned by its label takes its node's room whoever scheduled it
        var d = PlacementRound.plan(new ClusterSnapshot(nodes, Map.of(), List.of(pinned, unnamed)), new PlacementRound.Policy(true));
        assertInstanceOf(Decision.MarkUnschedulable.class, d.getFirst());
    }

    @Test
    void shouldFreeFinishedVmsButNotDeletingOnes() {
        List<NodeInfo> nodes = List.of(node("a", 2000, 4));
        VmInfo finished = new VmInfo("default", "done", "u", "1", T0, "a", VmNodeContract.SCHEDULER_NAME, false, true,
                Amount.ZERO, new Amount(2000, 4 * GI), new Amount(2000, 4 * GI), NodeRequirements.NONE, null, null, VmPhase.Succeeded);
        VmInfo deleting = new VmInfo("default", "going", "u", "1", T0, "a", VmNodeContract.SCHEDULER_NAME, true, false,
                Amount.ZERO, new Amount(2000, 4 * GI), new Amount(2000, 4 * GI), NodeRequirements.NONE, null, null, VmPhase.Running);
        assertEquals(Map.of("new", "a"), bindings(plan(nodes, List.of(finished, pending("new", 2000, 4, 1)))));
        assertInstanceOf(Decision.MarkUnschedulable.class, plan(nodes, List.of(deleting, pending("new", 2000, 4, 1))).getFirst());
    }

    @Test
    void shouldSayWhyWhenTheSpecCannotBePlacedOrNoNodeExists() {
        VmInfo broken = new VmInfo("default", "broken", "u", "1", T0, null, VmNodeContract.SCHEDULER_NAME, false, false,
                Amount.ZERO, Amount.ZERO, Amount.ZERO, NodeRequirements.NONE, "cannot be placed: spec.guest.cpus: min, use and max are required",
                null, null);
        var u = assertInstanceOf(Decision.MarkUnschedulable.class, plan(List.of(node("a", 2000, 4)), List.of(broken)).getFirst());
        assertEquals("cannot be placed: spec.guest.cpus: min, use and max are required", u.message());
        var none = assertInstanceOf(Decision.MarkUnschedulable.class, plan(List.of(), List.of(pending("x", 100, 1, 0))).getFirst());
        assertEquals("0/0 VM nodes can run 100m CPU, 1024 MiB: no Node is labelled vmflex.io/vm-node=true", none.message());
    }

    @Test
    void shouldCountReasonsInsteadOfNamingNodesOnALargeCluster() {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            nodes.add(node("n" + i, 1000, 1));
        }
        nodes.add(new NodeInfo("down", Map.of(), List.of(), false, false, new Amount(8000, 8 * GI)));
        var u = assertInstanceOf(Decision.MarkUnschedulable.class, plan(nodes, List.of(pending("x", 2000, 1, 0))).getFirst());
        assertEquals("0/9 VM nodes can run 2000m CPU, 1024 MiB: 8 not enough free CPU or memory, 1 not Ready", u.message());
        assertTrue(u.message().length() < 120);
    }

    @Test
    void shouldKeepTheRoomAMigrationInFlightHoldsOnItsTarget() {
        List<NodeInfo> nodes = List.of(node("a", 2000, 16), node("b", 2000, 16));
        VmInfo moving = vm("moving", "a", 1000, 2, 0, NodeRequirements.NONE);
        VmInfo fresh = pending("fresh", 2000, 2, 1);
        // without the migration b takes the new VM; with it, b keeps 1 vCPU for the VM on its way there
        assertEquals(Map.of("fresh", "b"), bindings(plan(nodes, List.of(moving, fresh))));
        List<Decision> withMigration = PlacementRound.plan(new ClusterSnapshot(nodes, Map.of(), List.of(moving, fresh),
                Map.of(moving.key(), "b")), NAMED);
        assertEquals(Map.of(), bindings(withMigration));
        assertTrue(withMigration.getFirst() instanceof Decision.MarkUnschedulable u
                && u.message().contains("b: only 1000m CPU"), withMigration.toString());
    }
}
