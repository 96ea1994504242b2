package io.vmflex.agent.core;

import io.vmflex.agent.core.ScalingAction.PatchUse;
import io.vmflex.agent.core.ScalingAction.RequestDownscaleApproval;
import io.vmflex.agent.core.ScalingAction.RequestPermit;
import io.vmflex.agent.core.ScalingInput.DownscaleApproved;
import io.vmflex.agent.core.ScalingInput.DownscaleDenied;
import io.vmflex.agent.core.ScalingInput.MetricsReceived;
import io.vmflex.agent.core.ScalingInput.MonitorConnection;
import io.vmflex.agent.core.ScalingInput.PatchApplied;
import io.vmflex.agent.core.ScalingInput.PatchRefusedMigrating;
import io.vmflex.agent.core.ScalingInput.PermitFailed;
import io.vmflex.agent.core.ScalingInput.PermitGranted;
import io.vmflex.agent.core.ScalingInput.VmObserved;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure core, call by call, on a hand-held clock. */
class ScalingCoreTest {

    static final long GI = 1024L * 1024 * 1024;
    static final long MI = 1024L * 1024;
    static final Allocation UNIT = new Allocation(250, GI);
    static final Allocation MIN = new Allocation(250, GI);
    static final Allocation MAX = new Allocation(2000, 8 * GI);
    static final long T0 = 1_000_000;

    private final ScalingCore neon = new ScalingCore(ScalingConfig.neonRules().withPermitRefreshMs(0));
    private final ScalingCore vmflex = new ScalingCore(ScalingConfig.vmflex().withPermitRefreshMs(0));

    static VmView vm(Allocation use) {
        return new VmView("pg", "uid-1", "node-a", use, use, false, MIN, MAX, UNIT, GI, 0);
    }

    /** A VM at {@code use} with its monitor connected, no metrics yet. */
    static ScalingState state(ScalingCore core, Allocation use) {
        ScalingState s = ScalingState.initial(vm(use));
        return core.onInput(s, new MonitorConnection(true), T0).state();
    }

    static MetricsReceived metrics(double load, double busy, double usedMi, long at) {
        return new MetricsReceived(new GuestMetrics(load, busy, usedMi * MI, 8.0 * GI, at));
    }

    @Test
    void shouldComputeNeonGoalWhenLoadAndMemoryGiven() {
        ScalingState s = state(neon, MIN);
        // load 0.9 → 0.9 / 0.9 / 0.25 = 4 units; memory (2972 + 100) MiB / 0.75 / 1 GiB = 4 units.
        Step step = neon.onInput(s, metrics(0.9, Double.NaN, 500, T0), T0);
        assertEquals(new Allocation(1000, 4 * GI), neon.goal(step.state(), T0).target());
        Step memory = neon.onInput(s, metrics(0.1, Double.NaN, 3072 - 100 + 1, T0), T0);
        assertEquals(new Allocation(1250, 5 * GI), neon.goal(memory.state(), T0).target(),
                "one byte over 4 units of memory asks for 5");
        Step huge = neon.onInput(s, metrics(1e9, Double.NaN, 500, T0), T0);
        assertEquals(MAX, neon.goal(huge.state(), T0).target(), "clamped to the bounds");
    }

    @Test
    void shouldRequestPermitThenPatchWhenGoalAboveUse() {
        ScalingState s = state(neon, MIN);
        Step step = neon.onInput(s, metrics(0.9, Double.NaN, 100, T0), T0);
        RequestPermit ask = assertInstanceOf(RequestPermit.class, step.actions().getFirst());
        assertEquals(new Allocation(1000, 4 * GI), ask.request().requested());
        assertEquals(MIN, ask.request().current());

        Step granted = neon.onInput(step.state(), new PermitGranted(ask.chain(), ask.request().requested()), T0 + 5);
        PatchUse patch = assertInstanceOf(PatchUse.class, granted.actions().getFirst());
        assertEquals(new Allocation(1000, 4 * GI), patch.use());
        assertTrue(patch.revision() > 0);
    }

    @Test
    void shouldApplyPartOnlyWhenPermitIsPartial() {
        ScalingState s = state(neon, MIN);
        Step step = neon.onInput(s, metrics(0.9, Double.NaN, 100, T0), T0);
        RequestPermit ask = (RequestPermit) step.actions().getFirst();
        Step partial = neon.onInput(step.state(), new PermitGranted(ask.chain(), new Allocation(500, 2 * GI)), T0);
        assertEquals(new Allocation(500, 2 * GI), ((PatchUse) partial.actions().getFirst()).use());
        assertEquals(DecisionKind.UPSCALE_PARTIAL, partial.decisions().getFirst().kind());
    }

    @Test
    void shouldRetryPermitAfterTwoSecondsWhenDeniedAndThreeWhenFailed() {
        ScalingState s = state(neon, MIN);
        Step step = neon.onInput(s, metrics(0.9, Double.NaN, 100, T0), T0);
        RequestPermit ask = (RequestPermit) step.actions().getFirst();
        Step denied = neon.onInput(step.state(), new PermitGranted(ask.chain(), MIN), T0);
        assertEquals(DecisionKind.UPSCALE_DENIED, denied.decisions().getFirst().kind());
        assertTrue(denied.actions().isEmpty());
        assertEquals(T0 + 2_000, denied.wakeAtMs());
        assertTrue(neon.nextActions(denied.state(), T0 + 1_999).actions().isEmpty());
        RequestPermit again = assertInstanceOf(RequestPermit.class,
                neon.nextActions(denied.state(), T0 + 2_000).actions().getFirst());

        ScalingState retried = neon.nextActions(denied.state(), T0 + 2_000).state();
        Step failed = neon.onInput(retried, new PermitFailed(again.chain(), "unreachable"), T0 + 2_000);
        assertEquals(T0 + 5_000, failed.wakeAtMs());
        assertTrue(neon.nextActions(failed.state(), T0 + 4_999).actions().isEmpty());
        assertInstanceOf(RequestPermit.class, neon.nextActions(failed.state(), T0 + 5_000).actions().getFirst());
    }

    @Test
    void shouldIgnoreAnswerWhenChainIsNotAwaited() {
        ScalingState s = state(neon, MIN);
        Step step = neon.onInput(s, metrics(0.9, Double.NaN, 100, T0), T0);
        RequestPermit ask = (RequestPermit) step.actions().getFirst();
        Step stale = neon.onInput(step.state(), new PermitGranted(ask.chain() + 7, MAX), T0);
        assertTrue(stale.actions().isEmpty());
        assertEquals(step.state().operation(), stale.state().operation());
    }

    @Test
    void shouldFailOperationWhenNoAnswerWithinTimeout() {
        ScalingState s = state(neon, MIN);
        Step step = neon.onInput(s, metrics(0.9, Double.NaN, 100, T0), T0);
        assertEquals(T0 + 10_000, step.wakeAtMs());
        Step timedOut = neon.nextActions(step.state(), T0 + 10_000);
        assertEquals(DecisionKind.PERMIT_FAILED, timedOut.decisions().getFirst().kind());
        assertInstanceOf(Operation.Idle.class, timedOut.state().operation());
    }

    @Test
    void shouldNotDownscaleWhenMetricsMissingOrStale() {
        ScalingState s = state(neon, new Allocation(2000, 8 * GI));
        assertTrue(neon.nextActions(s, T0 + 60_000).actions().isEmpty(), "no metrics at all");
        Step fresh = neon.onInput(s, metrics(0, Double.NaN, 100, T0), T0);
        assertInstanceOf(RequestDownscaleApproval.class, fresh.actions().getFirst(), "fresh and low: downscale");
        ScalingState withOld = neon.onInput(s, metrics(0, Double.NaN, 100, T0), T0).state();
        ScalingState idleAgain = neon.onInput(withOld,
                new DownscaleDenied(((Operation.AwaitingApproval) withOld.operation()).chain().id(), "no"), T0).state();
        assertTrue(neon.nextActions(idleAgain, T0 + 15_001).actions().isEmpty(), "stale sample: no downscale");
    }

    @Test
    void shouldRefuseAbsurdMetricsWhenGuestSendsThem() {
        ScalingState s = state(neon, MIN);
        Step nan = neon.onInput(s, new MetricsReceived(new GuestMetrics(Double.NaN, 0.5, 100, GI, T0)), T0);
        assertEquals(DecisionKind.METRICS_REJECTED, nan.decisions().getFirst().kind());
        assertEquals(null, nan.state().metrics());
        Step negative = neon.onInput(s, new MetricsReceived(new GuestMetrics(1, 0.5, -1, GI, T0)), T0);
        assertEquals(null, negative.state().metrics());
        Step over = neon.onInput(s, new MetricsReceived(new GuestMetrics(1e9, 7, 4.0 * GI, GI, T0)), T0);
        GuestMetrics kept = over.state().metrics();
        assertEquals(65_536, kept.loadAvg1());
        assertEquals(GI, kept.memUsedBytes(), "used clamped to total");
        assertTrue(Double.isNaN(kept.cpuBusyFraction()), "busy outside 0..1 dropped");
    }

    @Test
    void shouldWaitForWindowAndTakeItsPeakWhenGoalDrops() {
        ScalingState s = state(vmflex, new Allocation(2000, 8 * GI));
        long t = T0;
        Step step = null;
        for (int i = 0; i <= 20; i++, t += 1_000) {
            // busy 0.25 of 2 CPUs = 0.5 CPU: ×1.1 / 0.9 / 0.25 → 3 units; one sample at 0.5 → 5 units.
            double busy = i == 10 ? 0.5 : 0.25;
            step = vmflex.onInput(s, metrics(0, busy, 100, t), t);
            s = step.state();
            if (i < 20) {
                assertTrue(step.actions().isEmpty(), "nothing before the window ends, at " + i + " s");
            }
        }
        RequestDownscaleApproval ask = assertInstanceOf(RequestDownscaleApproval.class, step.actions().getFirst());
        assertEquals(new Allocation(1250, 5 * GI), ask.target(), "the highest goal seen in the window");
    }

    @Test
    void shouldKeepTheCpusOfASteadyLoadOnACrowdedHostAndGiveThemBackWhenItStops() {
        // Two vCPUs, two burning tasks in the guest; the host is so busy that QEMU gets 0.6 CPU of its 2.
        ScalingState s = state(vmflex, new Allocation(2000, 8 * GI));
        double load = 2.0;
        long t = T0;
        for (; t < T0 + 60_000; t += 1_000) {
            Step step = vmflex.onInput(s, metrics(load, 0.3, 100, t), t);
            s = step.state();
            assertTrue(step.actions().stream().noneMatch(a -> a instanceof RequestDownscaleApproval),
                    "a steady load is not given back " + (t - T0) + " ms in");
        }
        // The tasks stop: the average decays, and the first update already tells.
        RequestDownscaleApproval ask = null;
        long stopped = t;
        for (int i = 0; ask == null && t < stopped + 60_000; i++, t += 1_000) {
            if (i % 5 == 0) {
                load = Math.round(load * Math.exp(-5.0 / 60) * 100) / 100.0;
            }
            Step step = vmflex.onInput(s, metrics(load, 0.02, 100, t), t);
            s = step.state();
            ask = step.actions().stream().filter(a -> a instanceof RequestDownscaleApproval)
                    .map(a -> (RequestDownscaleApproval) a).findFirst().orElse(null);
        }
        assertTrue(ask != null && ask.target().cpuMillis() < 2000, "given back after the load stopped");
        assertTrue(t - stopped <= 27_000, "within the 20 s window plus one update, not the minute the average takes: "
                + (t - stopped) + " ms");
    }

    @Test
    void shouldHoldAndStepUpWhenDownscaleDenied() {
        ScalingState s = state(neon, new Allocation(2000, 8 * GI));
        Step step = neon.onInput(s, metrics(0, Double.NaN, 100, T0), T0);
        RequestDownscaleApproval ask = (RequestDownscaleApproval) step.actions().getFirst();
        assertEquals(MIN, ask.target());
        Step denied = neon.onInput(step.state(), new DownscaleDenied(ask.chain(), "needs it"), T0);
        assertEquals(DecisionKind.DOWNSCALE_DENIED, denied.decisions().getFirst().kind());
        assertEquals(T0 + 5_000, denied.wakeAtMs());

        Step during = neon.onInput(denied.state(), metrics(0, Double.NaN, 100, T0 + 4_000), T0 + 4_000);
        assertTrue(during.actions().isEmpty(), "held for 5 s");
        Step after = neon.nextActions(during.state(), T0 + 5_000);
        RequestDownscaleApproval next = assertInstanceOf(RequestDownscaleApproval.class, after.actions().getFirst());
        assertEquals(new Allocation(500, 2 * GI), next.target(), "denied + 1 unit");
    }

    @Test
    void shouldHoldALongTimeWhenTheGuestAsksForMemoryRightAfterADownscale() {
        ScalingState s = state(vmflex, new Allocation(500, 2 * GI));
        RequestDownscaleApproval ask = null;
        long when = T0;
        for (; ask == null && when < T0 + 60_000; when += 1_000) {
            Step step = vmflex.onInput(s, metrics(0.05, 0.1, 100, when), when);
            ask = (RequestDownscaleApproval) step.actions().stream().filter(a -> a instanceof RequestDownscaleApproval)
                    .findFirst().orElse(null);
            s = step.state();
        }
        assertTrue(ask != null, "a low load is downscaled after the window");
        assertEquals(T0 + 21_000, when, "asked at T0 + 20 s");
        Step approved = vmflex.onInput(s, new DownscaleApproved(ask.chain()), T0 + 20_010);
        PatchUse patch = (PatchUse) approved.actions().getFirst();
        Step applied = vmflex.onInput(approved.state(), new PatchApplied(patch.chain()), T0 + 20_030);
        ScalingAction.ReleaseToScheduler release = (ScalingAction.ReleaseToScheduler) applied.actions().getFirst();
        ScalingState down = vmflex.onInput(applied.state(), new ScalingInput.Released(release.chain()), T0 + 20_040).state();
        assertEquals(MIN, down.vm().use());

        // One second later the guest says it is short of memory: the downscale went too far.
        Step regret = vmflex.onInput(down, new ScalingInput.MonitorUpscaleRequested(), T0 + 21_000);
        assertTrue(regret.decisions().stream().anyMatch(d -> d.kind() == DecisionKind.DOWNSCALE_DENIED
                && d.detail().contains("after the last downscale")), regret.decisions().toString());
        RequestPermit up = assertInstanceOf(RequestPermit.class, regret.actions().getFirst());
        Step granted = vmflex.onInput(regret.state(), new PermitGranted(up.chain(), up.request().requested()), T0 + 21_010);
        PatchUse grow = (PatchUse) granted.actions().getFirst();
        ScalingState grown = vmflex.onInput(granted.state(), new PatchApplied(grow.chain()), T0 + 21_030).state();
        grown = vmflex.onInput(grown, new ScalingInput.UpscaleNotified(grow.chain()), T0 + 21_040).state();
        assertEquals(2 * GI, grown.vm().use().memBytes());

        assertEquals(500, grown.vm().use().cpuMillis(), "the unit-based goal raised CPU with memory");

        // The load stays low: CPU goes back down during the hold, memory does not go below what the
        // guest asked for until the hold ends.
        long hold = InputHandler.regretHoldMs(ScalingConfig.vmflex());
        ScalingState t = grown;
        boolean cpuDown = false;
        for (long at = T0 + 22_000; at < T0 + 21_000 + hold; at += 1_000) {
            Step fed = vmflex.onInput(t, metrics(0.05, 0.1, 100, at), at);
            Step step = vmflex.nextActions(fed.state(), at);
            t = step.state();
            var asks = java.util.stream.Stream.concat(fed.actions().stream(), step.actions().stream())
                    .filter(a -> a instanceof RequestDownscaleApproval).map(a -> (RequestDownscaleApproval) a).toList();
            for (RequestDownscaleApproval down2 : asks) {
                assertEquals(2 * GI, down2.target().memBytes(),
                        "memory held " + (at - T0 - 21_000) + " ms after the guest's request");
                assertEquals(MIN.cpuMillis(), down2.target().cpuMillis(), "CPU follows the load during the hold");
                Step ok = vmflex.onInput(t, new DownscaleApproved(down2.chain()), at + 10);
                PatchUse shrink = (PatchUse) ok.actions().getFirst();
                Step done = vmflex.onInput(ok.state(), new PatchApplied(shrink.chain()), at + 20);
                ScalingAction.ReleaseToScheduler rel = (ScalingAction.ReleaseToScheduler) done.actions().getFirst();
                t = vmflex.onInput(done.state(), new ScalingInput.Released(rel.chain()), at + 30).state();
                cpuDown = true;
            }
        }
        assertTrue(cpuDown, "CPU went down during the memory hold");
        assertEquals(new Allocation(MIN.cpuMillis(), 2 * GI), t.vm().use());
        boolean asked = false;
        for (long at = T0 + 21_000 + hold; at < T0 + 21_000 + hold + 30_000 && !asked; at += 1_000) {
            Step fed = vmflex.onInput(t, metrics(0.05, 0.1, 100, at), at);
            Step step = vmflex.nextActions(fed.state(), at);
            asked = java.util.stream.Stream.concat(fed.actions().stream(), step.actions().stream())
                    .anyMatch(a -> a instanceof RequestDownscaleApproval r && r.target().memBytes() < 2 * GI);
            t = step.state();
        }
        assertTrue(asked, "after the hold the agent tries again");
    }

    @Test
    void shouldPatchReleaseAndResetWindowWhenDownscaleApproved() {
        ScalingState s = state(neon, new Allocation(2000, 8 * GI));
        Step step = neon.onInput(s, metrics(0, Double.NaN, 100, T0), T0);
        RequestDownscaleApproval ask = (RequestDownscaleApproval) step.actions().getFirst();
        Step approved = neon.onInput(step.state(), new DownscaleApproved(ask.chain()), T0 + 10);
        PatchUse patch = assertInstanceOf(PatchUse.class, approved.actions().getFirst());
        Step applied = neon.onInput(approved.state(), new PatchApplied(patch.chain()), T0 + 30);
        ScalingAction.ReleaseToScheduler release = assertInstanceOf(ScalingAction.ReleaseToScheduler.class,
                applied.actions().getFirst());
        assertEquals(MIN, release.newUse());
        assertEquals(DecisionKind.SCALED_DOWN, applied.decisions().getFirst().kind());
        Step released = neon.onInput(applied.state(), new ScalingInput.Released(release.chain()), T0 + 40);
        LatencySample latency = released.latencies().getFirst();
        assertEquals(new LatencySample("pg", LatencySample.Direction.DOWN, 40, -1, 20, 10, 10), latency);
        assertEquals(MIN, released.state().permit());
    }

    @Test
    void shouldWaitForMoveAndGoOnWhereLandedWhenPatchRefused() {
        ScalingState s = state(neon, MIN);
        Step step = neon.onInput(s, metrics(0.9, Double.NaN, 100, T0), T0);
        RequestPermit ask = (RequestPermit) step.actions().getFirst();
        Step granted = neon.onInput(step.state(), new PermitGranted(ask.chain(), ask.request().requested()), T0);
        PatchUse patch = (PatchUse) granted.actions().getFirst();
        Step refused = neon.onInput(granted.state(), new PatchRefusedMigrating(patch.chain(), "migrating"), T0);
        assertEquals(DecisionKind.PATCH_REFUSED_MIGRATING, refused.decisions().getFirst().kind());

        VmView moving = new VmView("pg", "uid-1", "node-a", MIN, MIN, true, MIN, MAX, UNIT, GI, 0);
        Step whileMoving = neon.onInput(refused.state(), new VmObserved(moving), T0 + 5_000);
        assertTrue(whileMoving.actions().isEmpty(), "nothing while it moves");

        VmView landed = new VmView("pg", "uid-1", "node-b", MIN, MIN, false, MIN, MAX, UNIT, GI, 0);
        Step afterMove = neon.onInput(whileMoving.state(), new VmObserved(landed), T0 + 6_000);
        assertEquals(MIN, afterMove.state().permit(), "the new node's scheduler holds only its use");
        RequestPermit onNewNode = assertInstanceOf(RequestPermit.class, afterMove.actions().getFirst());
        assertEquals("node-b", onNewNode.request().node());
    }

    @Test
    void shouldKeepOwnPatchWhenObservationIsOlder() {
        ScalingState s = state(neon, MIN);
        Step step = neon.onInput(s, metrics(0.9, Double.NaN, 100, T0), T0);
        RequestPermit ask = (RequestPermit) step.actions().getFirst();
        Step granted = neon.onInput(step.state(), new PermitGranted(ask.chain(), ask.request().requested()), T0);
        PatchUse patch = (PatchUse) granted.actions().getFirst();
        ScalingState applied = neon.onInput(granted.state(), new PatchApplied(patch.chain()), T0).state();
        ScalingState lagging = neon.onInput(applied, new VmObserved(vm(MIN)), T0).state();
        assertEquals(patch.use(), lagging.vm().use(), "a view from before the patch does not undo it");
    }

    /** The goal's CPU after two samples whose load averages say {@code runnable} tasks wait to run. */
    private long cpuGoalWithRunnable(Allocation use, double busy, double runnable) {
        ScalingState s = state(vmflex, use);
        double first = 0.30;
        double second = first * LoadTracker.DECAY + runnable * (1 - LoadTracker.DECAY);
        s = vmflex.onInput(s, metrics(first, busy, 100, T0), T0).state();
        s = vmflex.onInput(s, metrics(second, busy, 100, T0 + 1_000), T0 + 1_000).state();
        assertEquals(runnable, s.load().runnable(), 0.01);
        return vmflex.goal(s, T0 + 1_000).target().cpuMillis();
    }

    @Test
    void shouldHoldCpuOfAWorkingVmOnACrowdedHostByItsRunnableTasks() {
        // pgbench on a crowded host: the VM gets 60 % of its 2 CPUs, but 2 tasks keep wanting them.
        assertEquals(2000, cpuGoalWithRunnable(new Allocation(2000, GI), 0.6, 2.0));
    }

    @Test
    void shouldNotRaiseAnIdleVmOnAStarvedHostByItsRunnableTasks() {
        assertEquals(MIN.cpuMillis(), cpuGoalWithRunnable(new Allocation(1000, GI), 0.11, 1.11));
    }

    @Test
    void shouldLetAnIdleVmOnAStarvedHostComeDown() {
        // Seen on a host loaded 15 on 2 cores: an idle TCG guest's tasks wait for vCPUs the host
        // seldom runs, so its runnable count stays near 1 while it uses a tenth of its allocation.
        assertEquals(MIN.cpuMillis(), cpuGoalWithRunnable(new Allocation(2000, GI), 0.11, 1.11),
                "what it uses (0.11 x 2 CPUs) is less than one unit");
    }

    @Test
    void shouldStartOverWhenVmIsMadeAgainUnderTheSameName() {
        ScalingState s = state(neon, MIN);
        Step step = neon.onInput(s, metrics(0.9, Double.NaN, 100, T0), T0);
        RequestPermit ask = (RequestPermit) step.actions().getFirst();
        Step granted = neon.onInput(step.state(), new PermitGranted(ask.chain(), ask.request().requested()), T0);
        PatchUse patch = (PatchUse) granted.actions().getFirst();
        ScalingState applied = neon.onInput(granted.state(), new PatchApplied(patch.chain()), T0).state();

        // Deleted and applied again between two polls: a new uid, targetRevision back at 0, use at MIN.
        VmView again = new VmView("pg", "uid-2", "node-a", MIN, MIN, false, MIN, MAX, UNIT, GI, 0);
        ScalingState fresh = neon.onInput(applied, new VmObserved(again), T0 + 1_000).state();
        assertEquals(MIN, fresh.vm().use(), "the old VM's revision does not hide the new VM's use");
        assertEquals(MIN, fresh.permit(), "the old VM's permit is not the new VM's");
        assertEquals(0, fresh.lastRevision());
        assertTrue(fresh.nextChain() > applied.nextChain() - 1, "chain ids keep counting");
        Step late = neon.onInput(fresh, new PatchApplied(patch.chain()), T0 + 1_001);
        assertEquals(fresh.operation(), late.state().operation(), "the old VM's late answer changes nothing");
    }

    @Test
    void shouldRateLimitMonitorRequestsWhenGuestFloods() {
        ScalingState s = state(neon, MIN);
        int accepted = 0;
        for (int i = 0; i < 100; i++) {
            Step step = neon.onInput(s, new ScalingInput.MonitorUpscaleRequested(), T0 + i * 10L);
            accepted += (int) step.decisions().stream()
                    .filter(d -> d.kind() == DecisionKind.MONITOR_UPSCALE_REQUESTED).count();
            s = step.state();
        }
        assertEquals(1, accepted, "one per second");
        assertEquals(99, s.monitorRequestsDropped());
    }

    @Test
    void shouldNotDownscaleButStillUpscaleWhenMonitorDisconnected() {
        ScalingState high = neon.onInput(state(neon, new Allocation(2000, 8 * GI)), new MonitorConnection(false), T0)
                .state();
        assertTrue(neon.onInput(high, metrics(0, Double.NaN, 100, T0), T0).actions().isEmpty(),
                "no downscale without the monitor's approval");

        ScalingState low = neon.onInput(state(neon, MIN), new MonitorConnection(false), T0).state();
        Step step = neon.onInput(low, metrics(0.9, Double.NaN, 100, T0), T0);
        RequestPermit ask = (RequestPermit) step.actions().getFirst();
        Step granted = neon.onInput(step.state(), new PermitGranted(ask.chain(), ask.request().requested()), T0);
        PatchUse patch = (PatchUse) granted.actions().getFirst();
        Step applied = neon.onInput(granted.state(), new PatchApplied(patch.chain()), T0 + 20);
        assertTrue(applied.actions().isEmpty(), "no notification to a monitor that is not there");
        assertEquals(20, applied.latencies().getFirst().totalMs());
        assertEquals(-1, applied.latencies().getFirst().monitorMs());
    }

    @Test
    void shouldIgnoreBusySampleWhenItMaySpanTheLastCpuResize() {
        ScalingState s = state(vmflex, MIN);
        Step step = vmflex.onInput(s, metrics(0, 1.0, 100, T0), T0);
        RequestPermit ask = (RequestPermit) step.actions().getFirst();
        Step granted = vmflex.onInput(step.state(), new PermitGranted(ask.chain(), ask.request().requested()), T0);
        Step applied = vmflex.onInput(granted.state(), new PatchApplied(((PatchUse) granted.actions().getFirst())
                .chain()), T0);
        ScalingState at500 = vmflex.onInput(applied.state(),
                new ScalingInput.UpscaleNotified(((ScalingAction.NotifyUpscale) applied.actions().getFirst()).chain()),
                T0).state();
        assertEquals(new Allocation(500, 2 * GI), at500.vm().use());

        Step soon = vmflex.onInput(at500, new MetricsReceived(new GuestMetrics(0, 1.0, 100 * MI, 8.0 * GI, T0 + 1_000, 1.0)),
                T0 + 1_000);
        assertTrue(soon.actions().isEmpty(), "a sample from across the resize does not double again");
        GoalInputs held = vmflex.goal(soon.state(), T0 + 1_000).inputs();
        assertEquals("500m CPU/2Gi (vmflex rules: load1 0.00, busy -, used 100Mi of 8Gi, metrics 0 ms old)",
                DecisionText.message(new Decision("pg", T0 + 1_000, DecisionKind.UPSCALE_REQUESTED, at500.vm().use(), null,
                        null, held, null)),
                "the held decision shows neither busy share of the sample it did not use");
        Step clean = vmflex.onInput(soon.state(), metrics(0, 1.0, 100, T0 + 2_000), T0 + 2_000);
        RequestPermit again = assertInstanceOf(RequestPermit.class, clean.actions().getFirst());
        assertEquals(new Allocation(1000, 4 * GI), again.request().requested());
    }

    @Test
    void shouldExplainDecisionWithItsInputs() {
        ScalingState s = state(vmflex, MIN);
        Step step = vmflex.onInput(s, metrics(0.05, 1.0, 100, T0), T0);
        Decision d = step.decisions().getFirst();
        assertEquals(DecisionKind.UPSCALE_REQUESTED, d.kind());
        assertEquals(1.0, d.inputs().cpuBusyFraction());
        assertEquals(0.05, d.inputs().loadAvg1());
        assertEquals(new Allocation(500, 2 * GI), d.goal(), "saturated: double");
        assertEquals(List.of(), step.latencies());
    }

    @Test
    void shouldDoubleWhenTheGuestSaysItsVcpusAreSaturatedAndTheHostSeesItWorkButNotForAnIdleGuestsClaim() {
        ScalingState s = state(vmflex, new Allocation(1000, 4 * GI));
        // Under TCG a saturated 1-vCPU guest reads 0.68 of its quota on the host (QEMU's threads share it).
        Step hostOnly = vmflex.onInput(s, new MetricsReceived(new GuestMetrics(0.1, 0.68, 100 * MI, 8.0 * GI, T0)), T0);
        assertTrue(hostOnly.actions().isEmpty(), "0.68 alone is demand below the allocation: " + hostOnly.actions());

        Step confirmed = vmflex.onInput(s,
                new MetricsReceived(new GuestMetrics(0.1, 0.68, 100 * MI, 8.0 * GI, T0, 1.0)), T0);
        RequestPermit ask = assertInstanceOf(RequestPermit.class, confirmed.actions().getFirst());
        assertEquals(new Allocation(2000, 8 * GI), ask.request().requested(), "saturated: double, within the bounds");
        assertEquals(1.0, confirmed.decisions().getFirst().inputs().guestCpuBusy());

        Step claim = vmflex.onInput(s, new MetricsReceived(new GuestMetrics(0.1, 0.2, 100 * MI, 8.0 * GI, T0, 1.0)), T0);
        assertTrue(claim.actions().stream().noneMatch(RequestPermit.class::isInstance),
                "the host sees 0.2 of the allocation used: the guest's word alone asks for nothing");
        Step garbage = vmflex.onInput(s, new MetricsReceived(new GuestMetrics(0.1, 0.68, 100 * MI, 8.0 * GI, T0, 7.0)), T0);
        assertTrue(garbage.actions().isEmpty(), "a busy share outside 0..1 is dropped");
    }
}
