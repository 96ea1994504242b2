package io.vmflex.agent.sim;

import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.DecisionKind;
import io.vmflex.agent.core.LatencySample;
import io.vmflex.agent.core.ScalingConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real runner and core against simulated guests on a simulated clock (no sleeps). */
class AgentSimulationTest {

    static final long GI = 1024L * 1024 * 1024;
    static final long MI = 1024L * 1024;
    static final Allocation UNIT = new Allocation(250, GI);
    static final Allocation MIN = new Allocation(250, GI);
    static final Allocation MAX = new Allocation(2000, 8 * GI);
    static final Allocation BIG_NODE = new Allocation(64_000, 256 * GI);

    static AgentSimulation vmflex() {
        return new AgentSimulation(ScalingConfig.vmflex(), BIG_NODE, 1_000_000);
    }

    static AgentSimulation neon() {
        return new AgentSimulation(ScalingConfig.neonRules(), BIG_NODE, 1_000_000);
    }

    static SimulatedGuest addVm(AgentSimulation sim, String name) {
        SimulatedGuest guest = sim.addVm(name, MIN, MIN, MAX, UNIT, GI, 0);
        guest.setMemUsedBytes(200 * MI);
        return guest;
    }

    static long count(AgentSimulation sim, DecisionKind kind, long sinceMs) {
        return sim.decisions().stream().filter(d -> d.kind() == kind && d.atMs() >= sinceMs).count();
    }

    /** Time from now until the guest has more CPU than at the start, or -1. */
    static long timeToMoreCpu(AgentSimulation sim, SimulatedGuest guest, long maxMs) {
        long start = sim.clock().millis();
        long before = guest.allocation().cpuMillis();
        return sim.runUntil(() -> guest.allocation().cpuMillis() > before, maxMs)
                ? sim.clock().millis() - start : -1;
    }

    @Test
    void shouldAddCpuWithinTwoSecondsWhenLoadStepsInVmflexMode() {
        AgentSimulation sim = vmflex();
        SimulatedGuest guest = addVm(sim, "pg");
        sim.run(30_000);
        assertEquals(MIN, guest.allocation(), "idle VM stays at its minimum");

        guest.setDemandCpus(1.0);
        long took = timeToMoreCpu(sim, guest, 60_000);
        assertTrue(took > 0 && took <= 2_000, "extra CPU after " + took + " ms");
    }

    @Test
    void shouldBeAtLeastThreeTimesFasterThanNeonRulesWhenLoadSteps() {
        AgentSimulation fast = vmflex();
        SimulatedGuest fastGuest = addVm(fast, "pg");
        fast.run(30_000);
        fastGuest.setDemandCpus(1.0);
        long vmflexMs = timeToMoreCpu(fast, fastGuest, 120_000);

        AgentSimulation slow = neon();
        SimulatedGuest slowGuest = addVm(slow, "pg");
        slow.run(30_000);
        slowGuest.setDemandCpus(1.0);
        long neonMs = timeToMoreCpu(slow, slowGuest, 120_000);

        assertTrue(neonMs > 0, "Neon rules upscale at all");
        assertTrue(neonMs >= 3 * vmflexMs, "vmflex " + vmflexMs + " ms vs Neon rules " + neonMs + " ms");
    }

    @Test
    void shouldAskPermitBeforePatchAndNotifyMonitorAfterWhenScalingUp() {
        AgentSimulation sim = vmflex();
        SimulatedGuest guest = addVm(sim, "pg");
        sim.run(5_000);
        sim.node().calls().clear();
        guest.setDemandCpus(1.0);
        sim.run(3_000);

        List<String> calls = sim.node().calls();
        int permit = indexOf(calls, "permit pg 500m/2048Mi");
        int patch = indexOf(calls, "patch pg 500m/2048Mi");
        int notify = indexOf(calls, "notify pg 500m/2048Mi");
        assertTrue(permit >= 0 && permit < patch && patch < notify, calls.toString());
        LatencySample first = sim.latencies().stream()
                .filter(l -> l.direction() == LatencySample.Direction.UP).findFirst().orElseThrow();
        assertTrue(first.permitMs() >= 0 && first.applyMs() >= 0 && first.monitorMs() >= 0, first.toString());
    }

    @Test
    void shouldSettleAndNotOscillateWhenLoadSteady() {
        AgentSimulation sim = vmflex();
        SimulatedGuest guest = addVm(sim, "pg");
        guest.setDemandCpus(1.0);
        sim.run(120_000);
        Allocation settled = guest.allocation();
        long since = sim.clock().millis();
        sim.run(300_000);

        assertEquals(settled, guest.allocation());
        assertEquals(0, count(sim, DecisionKind.SCALED_UP, since) + count(sim, DecisionKind.SCALED_DOWN, since),
                "no resize under steady load");
        assertTrue(settled.cpuMillis() >= 1000 / 0.9, "enough CPU for the load at 90 %: " + settled);
    }

    @Test
    void shouldNotResizeBackAndForthWhenLoadIsNoisy() {
        AgentSimulation sim = vmflex();
        SimulatedGuest guest = addVm(sim, "pg");
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 120; i++) {
            guest.setDemandCpus(1.0 + (random.nextDouble() - 0.5) * 0.3);
            sim.run(1_000);
        }
        long since = sim.clock().millis();
        for (int i = 0; i < 600; i++) {
            guest.setDemandCpus(1.0 + (random.nextDouble() - 0.5) * 0.3);
            sim.run(1_000);
        }
        long resizes = count(sim, DecisionKind.SCALED_UP, since) + count(sim, DecisionKind.SCALED_DOWN, since);
        assertEquals(0, resizes, "load of 1 ± 0.15 CPU for 10 minutes after settling: " + guest.allocation());
    }

    @Test
    void shouldReturnToMinimumAfterWindowWhenLoadRemoved() {
        AgentSimulation sim = vmflex();
        SimulatedGuest guest = addVm(sim, "pg");
        guest.setDemandCpus(1.0);
        sim.run(120_000);
        assertTrue(guest.allocation().cpuMillis() > MIN.cpuMillis());

        guest.setDemandCpus(0);
        long removedAt = sim.clock().millis();
        sim.run(15_000);
        assertTrue(guest.allocation().cpuMillis() > MIN.cpuMillis(), "no downscale inside the 20 s window");
        assertTrue(sim.runUntil(() -> guest.allocation().equals(MIN), 120_000), "back to the minimum");
        long took = sim.clock().millis() - removedAt;
        assertTrue(took <= 30_000, "back to minimum after " + took + " ms");
        assertTrue(sim.node().calls().stream().anyMatch(c -> c.startsWith("downscale? pg")));
        assertEquals(MIN, sim.node().reserved("pg"), "scheduler told it may release");
    }

    @Test
    void shouldAddOneUnitOfMemoryAtOnceWhenMonitorAsks() {
        AgentSimulation sim = vmflex();
        SimulatedGuest guest = addVm(sim, "pg");
        sim.run(10_000);
        long before = guest.allocation().memBytes();

        sim.monitorUpscaleRequest("pg");
        sim.run(AgentSimulation.TICK_MS);

        assertEquals(before + GI, guest.allocation().memBytes(), "memory +1 unit within one tick");
    }

    @Test
    void shouldHoldDeniedDownscaleWhenMonitorDenies() {
        AgentSimulation sim = vmflex();
        SimulatedGuest guest = addVm(sim, "pg");
        guest.setDemandCpus(1.0);
        sim.run(120_000);
        Allocation high = guest.allocation();
        sim.node().setDenyDownscale(true);
        guest.setDemandCpus(0);
        long since = sim.clock().millis();
        sim.run(60_000);

        assertEquals(high, guest.allocation(), "a denied downscale is not applied");
        long asked = sim.node().calls().stream().filter(c -> c.startsWith("downscale? pg")).count();
        assertTrue(asked >= 1 && asked <= 60_000 / 5_000, "asked " + asked + " times in 60 s, not a storm");
        assertTrue(count(sim, DecisionKind.DOWNSCALE_DENIED, since) >= 1);
    }

    @Test
    void shouldNeverDownscaleWhenMetricsStop() {
        AgentSimulation sim = vmflex();
        SimulatedGuest guest = addVm(sim, "pg");
        guest.setDemandCpus(1.0);
        sim.run(120_000);
        Allocation high = guest.allocation();

        sim.setMetricsFlowing("pg", false);
        guest.setDemandCpus(0);
        sim.run(300_000);

        assertEquals(high, guest.allocation());
    }

    @Test
    void shouldRetryAfterMigrationWhenPatchRefusedWith409() {
        AgentSimulation sim = vmflex();
        SimulatedGuest guest = addVm(sim, "pg");
        sim.run(5_000);
        sim.node().setMigrating("pg", true); // the daemon knows before the agent's watch does
        guest.setDemandCpus(1.0);
        sim.run(2_000);
        assertTrue(sim.decisions().stream().anyMatch(d -> d.kind() == DecisionKind.PATCH_REFUSED_MIGRATING));
        assertEquals(MIN, guest.allocation());

        sim.setMigrating("pg", true, null);
        sim.run(10_000);
        assertEquals(MIN, guest.allocation(), "nothing patched while the VM moves");
        sim.node().calls().clear();

        sim.setMigrating("pg", false, "node-b");
        long took = timeToMoreCpu(sim, guest, 10_000);
        assertTrue(took >= 0 && took <= 1_000, "scaled on the node it landed on after " + took + " ms");
        assertFalse(sim.node().calls().stream().anyMatch(c -> c.startsWith("patch-refused")));
    }

    @Test
    void shouldStayInsideBoundsWhenGuestReportsAbsurdMetrics() {
        AgentSimulation sim = vmflex();
        addVm(sim, "pg");
        sim.run(5_000);
        for (int i = 0; i < 100; i++) {
            sim.runner().submit("pg", new io.vmflex.agent.core.ScalingInput.MetricsReceived(
                    new io.vmflex.agent.core.GuestMetrics(1e9, 5.0, 1e30, 1.0, sim.clock().millis())));
            sim.runner().submit("pg", new io.vmflex.agent.core.ScalingInput.MetricsReceived(
                    new io.vmflex.agent.core.GuestMetrics(Double.NaN, Double.NaN, -5, -1, sim.clock().millis())));
            sim.monitorUpscaleRequest("pg");
            sim.run(AgentSimulation.TICK_MS);
        }
        Allocation now = sim.guest("pg").allocation();
        assertTrue(MAX.covers(now), "never beyond the bounds: " + now);
        long accepted = count(sim, DecisionKind.MONITOR_UPSCALE_REQUESTED, 0);
        assertTrue(accepted <= 11, "monitor requests rate-limited to one a second, accepted " + accepted);
        long rejectedEvents = count(sim, DecisionKind.METRICS_REJECTED, 0);
        assertTrue(rejectedEvents >= 1 && rejectedEvents <= 2, "rejections explained, not stormed: " + rejectedEvents);
    }

    @Test
    void shouldGrantOnlyWhatFitsWhenNodeIsFull() {
        AgentSimulation sim = new AgentSimulation(ScalingConfig.vmflex(), new Allocation(750, 16 * GI), 1_000_000);
        SimulatedGuest a = addVm(sim, "a");
        SimulatedGuest b = addVm(sim, "b");
        a.setDemandCpus(2);
        b.setDemandCpus(2);
        sim.run(30_000);

        long cpu = a.allocation().cpuMillis() + b.allocation().cpuMillis();
        assertTrue(cpu <= 750, "never beyond the node: " + cpu);
        List<Decision> partialOrDenied = sim.decisions().stream().filter(d -> d.kind() == DecisionKind.UPSCALE_DENIED
                || d.kind() == DecisionKind.UPSCALE_PARTIAL).toList();
        assertFalse(partialOrDenied.isEmpty());
        long permitsFor = sim.node().calls().stream().filter(c -> c.startsWith("permit b")).count();
        assertTrue(permitsFor <= 30_000 / 2_000 + 3, "denied permits retried every 2 s, not stormed: " + permitsFor);
    }

    private static int indexOf(List<String> calls, String call) {
        return calls.indexOf(call);
    }
}
