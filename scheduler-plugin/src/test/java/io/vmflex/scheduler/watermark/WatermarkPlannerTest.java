package io.vmflex.scheduler.watermark;

import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.core.VmView;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WatermarkPlannerTest {

    static final long GIB = 1L << 30;
    static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");
    static final Instant NOW = T0.plus(Duration.ofHours(1));

    /** A VM of {@code cpu} millis and 1 GiB per 1000m, created {@code age} seconds after T0. */
    static VmView vm(String name, String node, long cpu, int age, boolean auto) {
        Amount a = new Amount(cpu, cpu / 1000 * GIB);
        return new VmView(name, node, a, a, a, T0.plusSeconds(age), auto, 0);
    }

    /** A node of 10 vCPUs / 10 GiB capacity, watermark 9 vCPUs / 9 GiB. */
    static NodeView node(String name, VmView... vms) {
        long cpu = 0;
        long mem = 0;
        for (VmView v : vms) {
            cpu += v.reserved().cpuMillis();
            mem += v.reserved().memBytes();
        }
        return new NodeView(name, new Amount(10000, 10 * GIB), new Amount(10000, 10 * GIB),
                new Amount(9000, 9 * GIB), new Amount(cpu, mem), true, List.of(vms));
    }

    static WatermarkPlan plan(List<NodeView> nodes, List<InFlight> inFlight) {
        return WatermarkPlanner.plan(nodes, inFlight, Map.of(), NOW, new WatermarkPolicy(2, Duration.ofMinutes(5)),
                TargetFilter.ANY);
    }

    static List<String> moves(WatermarkPlan p) {
        List<String> out = new ArrayList<>();
        for (Move m : p.moves()) {
            out.add(m.vm() + ":" + m.source() + ">" + m.target());
        }
        return out;
    }

    @Test
    void shouldMoveTheOldestAutoMigratingVmsUntilTheNodeIsBelowItsWatermarkToTheRoomiestNode() {
        // a holds 11 vCPUs against a watermark of 9: two 1-vCPU VMs are enough; the oldest labelled go
        NodeView a = node("a", vm("young", "a", 1000, 30, true), vm("old", "a", 1000, 10, true),
                vm("unlabelled", "a", 1000, 0, false), vm("older", "a", 1000, 5, true), vm("big", "a", 7000, 40, false));
        NodeView b = node("b", vm("b1", "b", 5000, 0, false));
        NodeView c = node("c", vm("c1", "c", 2000, 0, false));
        WatermarkPlan p = plan(List.of(a, b, c), List.of());
        // c has the most room, then after one arrival (3 vCPUs) still more than b (5)
        assertEquals(List.of("older:a>c", "old:a>c"), moves(p));
        assertEquals(1, p.over().size());
        assertNull(p.over().getFirst().stuck());
    }

    @Test
    void shouldNotMoveBetweenTwoFullNodes() {
        NodeView a = node("a", vm("a1", "a", 5000, 0, true), vm("a2", "a", 5000, 1, true));
        NodeView b = node("b", vm("b1", "b", 5000, 0, true), vm("b2", "b", 4500, 1, true));
        WatermarkPlan p = plan(List.of(a, b), List.of());
        assertTrue(p.moves().isEmpty(), moves(p).toString());
        // both above their watermark, the fuller first; neither can take the other's VMs
        assertEquals(List.of("a", "b"), p.over().stream().map(WatermarkPlan.OverNode::node).toList());
        assertTrue(p.over().get(0).stuck().contains("no node can take a1 and stay below its own watermark"),
                p.over().get(0).stuck());
        assertTrue(p.over().get(1).stuck().contains("no node can take b1 and stay below its own watermark"),
                p.over().get(1).stuck());
    }

    @Test
    void shouldHonourTheLimitPerNodeCountingSourceAndTarget() {
        NodeView a = node("a", vm("a1", "a", 1000, 0, true), vm("a2", "a", 1000, 1, true), vm("a3", "a", 9000, 2, false));
        NodeView b = node("b");
        NodeView c = node("c");
        var policy = new WatermarkPolicy(1, Duration.ofMinutes(5));
        WatermarkPlan p = WatermarkPlanner.plan(List.of(a, b, c), List.of(), Map.of(), NOW, policy, TargetFilter.ANY);
        assertEquals(List.of("a1:a>b"), moves(p));
        assertTrue(p.over().getFirst().stuck().contains("limit 1"), p.over().getFirst().stuck());

        // b is busy receiving another VM: a's next move goes to c; a itself is busy with one already
        WatermarkPlan busy = WatermarkPlanner.plan(List.of(a, b, c, node("d", vm("x", "d", 1000, 0, true))),
                List.of(new InFlight("x", "d", "b")), Map.of(), NOW, policy, TargetFilter.ANY);
        assertEquals(List.of("a1:a>c"), moves(busy));
    }

    @Test
    void shouldCountMigrationsInFlightOnBothNodesAndNeverMoveTheirVmTwice() {
        // a1 (2 vCPUs) already leaves a for b: a's pressure is 9 (at its watermark), nothing more to do
        NodeView a = node("a", vm("a1", "a", 2000, 0, true), vm("a2", "a", 1000, 1, true), vm("a3", "a", 8000, 2, false));
        NodeView b = node("b", vm("b1", "b", 6000, 0, false));
        NodeView c = node("c", vm("c1", "c", 6500, 0, false));
        assertTrue(plan(List.of(a, b, c), List.of(new InFlight("a1", "a", "b"))).moves().isEmpty());

        // a second over node finds b with a1's 2 vCPUs already booked: 6 + 2 + 2 > 9, so c (6.5 + 2 ≤ 9)
        NodeView d = node("d", vm("d1", "d", 2000, 0, true), vm("d2", "d", 8000, 1, false));
        WatermarkPlan p = plan(List.of(a, b, c, d), List.of(new InFlight("a1", "a", "b")));
        assertEquals(List.of("d1:d>c"), moves(p));
    }

    @Test
    void shouldSkipVmsWithinTheirCooldownAndSayWhenToLookAgain() {
        NodeView a = node("a", vm("a1", "a", 1000, 0, true), vm("a2", "a", 1000, 1, true), vm("a3", "a", 8000, 2, false));
        NodeView b = node("b");
        Map<String, Instant> ended = Map.of("a1", NOW.minus(Duration.ofMinutes(2)));
        WatermarkPlan p = WatermarkPlanner.plan(List.of(a, b), List.of(), ended, NOW, WatermarkPolicy.DEFAULT, TargetFilter.ANY);
        assertEquals(List.of("a2:a>b"), moves(p));
        assertEquals(NOW.plus(Duration.ofMinutes(3)), p.nextCheck());

        WatermarkPlan later = WatermarkPlanner.plan(List.of(a, b), List.of(), ended, NOW.plus(Duration.ofMinutes(3)),
                WatermarkPolicy.DEFAULT, TargetFilter.ANY);
        assertEquals(List.of("a1:a>b"), moves(later));
        assertNull(later.nextCheck());
    }

    @Test
    void shouldOnlyMoveToNodesTheFilterAllows() {
        NodeView a = node("a", vm("a1", "a", 1000, 0, true), vm("a2", "a", 9000, 1, false));
        NodeView roomy = node("roomy");
        NodeView allowed = node("allowed", vm("x", "allowed", 5000, 0, false));
        WatermarkPlan p = WatermarkPlanner.plan(List.of(a, roomy, allowed), List.of(), Map.of(), NOW, WatermarkPolicy.DEFAULT,
                (vm, node) -> node.equals("roomy") ? "nodeSelector disk=ssd not matched" : null);
        assertEquals(List.of("a1:a>allowed"), moves(p));
    }

    @Test
    void shouldTakeTheNextOldestWhenTheOldestFitsNowhere() {
        NodeView a = node("a", vm("huge", "a", 6000, 0, true), vm("small", "a", 1000, 1, true), vm("rest", "a", 4000, 2, false));
        NodeView b = node("b", vm("b1", "b", 4000, 0, false));
        assertEquals(List.of("small:a>b"), moves(plan(List.of(a, b), List.of())));
    }

    @Test
    void shouldChooseATargetForAMigrationSomeoneAskedFor() {
        NodeView a = node("a", vm("a1", "a", 2000, 0, false));
        NodeView b = node("b", vm("b1", "b", 7000, 0, false));
        NodeView c = node("c", vm("c1", "c", 8500, 0, false));
        // no watermark for a person's request: fits in b's capacity (9 ≤ 10); c would pass it
        assertEquals(new WatermarkPlanner.TargetChoice.Chosen("b"),
                WatermarkPlanner.chooseTarget(List.of(a, b, c), List.of(), "a1", "a", TargetFilter.ANY));
        var none = WatermarkPlanner.chooseTarget(List.of(a, b, c), List.of(new InFlight("b1x", "c", "b")), "a1", "a",
                (vm, node) -> node.equals("b") ? "taint gpu=true:NoSchedule not tolerated" : null);
        assertTrue(none instanceof WatermarkPlanner.TargetChoice.None n && n.reason().contains("c: not enough free CPU")
                && n.reason().contains("b: taint gpu"), none.toString());
    }
}
