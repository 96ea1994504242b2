package io.vmflex.agent.runner;

import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.DecisionKind;
import io.vmflex.agent.core.GuestMetrics;
import io.vmflex.agent.core.LatencySample;
import io.vmflex.agent.core.PermitRequest;
import io.vmflex.agent.core.ScalingConfig;
import io.vmflex.agent.core.ScalingCore;
import io.vmflex.agent.core.ScalingInput;
import io.vmflex.agent.core.VmView;
import io.vmflex.agent.sim.SimClock;
import io.vmflex.api.autoscaling.AutoscalingView;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentRunnerTest {

    static final long GI = 1024L * 1024 * 1024;
    static final Allocation MIN = new Allocation(250, GI);
    static final Allocation MAX = new Allocation(2000, 8 * GI);

    private final SimClock clock = new SimClock(1_000_000);
    private final List<Decision> decisions = new ArrayList<>();
    private final List<CompletableFuture<Allocation>> pendingPermits = new ArrayList<>();

    private final SchedulerPort throwingScheduler = new SchedulerPort() {
        @Override
        public CompletionStage<Allocation> requestPermit(PermitRequest request) {
            throw new IllegalStateException("connection refused");
        }

        @Override
        public CompletionStage<Void> release(String vm, String node, Allocation newUse) {
            return CompletableFuture.completedFuture(null);
        }
    };

    private final SchedulerPort slowScheduler = new SchedulerPort() {
        @Override
        public CompletionStage<Allocation> requestPermit(PermitRequest request) {
            CompletableFuture<Allocation> answer = new CompletableFuture<>();
            pendingPermits.add(answer);
            return answer;
        }

        @Override
        public CompletionStage<Void> release(String vm, String node, Allocation newUse) {
            return CompletableFuture.completedFuture(null);
        }
    };

    private final VmPatcher patcher = (vm, use, revision) -> CompletableFuture.completedFuture(PatchOutcome.APPLIED);

    private final MonitorPort monitor = new MonitorPort() {
        @Override
        public CompletionStage<Void> notifyUpscale(String vm, Allocation granted) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<DownscaleAnswer> requestDownscale(String vm, Allocation target) {
            return CompletableFuture.completedFuture(new DownscaleAnswer(true, "ok"));
        }
    };

    private final EventSink sink = new EventSink() {
        @Override
        public void decision(Decision decision) {
            decisions.add(decision);
        }

        @Override
        public void latency(LatencySample sample) {
        }
    };

    private AgentRunner runner(SchedulerPort scheduler) {
        return new AgentRunner(new ScalingCore(ScalingConfig.neonRules().withPermitRefreshMs(0)), scheduler, patcher,
                monitor, sink, clock);
    }

    private static VmView view() {
        return new VmView("pg", "uid-1", "node-a", MIN, MIN, false, MIN, MAX, new Allocation(250, GI), GI, 0);
    }

    private void loadStep(AgentRunner runner) {
        runner.submit("pg", new ScalingInput.MetricsReceived(
                new GuestMetrics(0.9, Double.NaN, 100, 8.0 * GI, clock.millis())));
    }

    @Test
    void shouldReportPermitFailureWhenPortThrows() {
        AgentRunner runner = runner(throwingScheduler);
        runner.observe(view());
        loadStep(runner);
        runner.doWork();
        assertTrue(decisions.stream().anyMatch(d -> d.kind() == DecisionKind.PERMIT_FAILED
                && d.detail().equals("connection refused")), decisions.toString());
    }

    @Test
    void shouldApplyAnswerOnOwnerThreadWhenPortCompletesLater() throws Exception {
        AgentRunner runner = runner(slowScheduler);
        runner.observe(view());
        loadStep(runner);
        runner.doWork();
        assertEquals(1, pendingPermits.size());
        Thread other = new Thread(() -> pendingPermits.getFirst().complete(new Allocation(1000, 4 * GI)));
        other.start();
        other.join();
        assertEquals(MIN, runner.state("pg").vm().use(), "nothing applied until the owner works");
        runner.doWork();
        assertEquals(new Allocation(1000, 4 * GI), runner.state("pg").vm().use());
    }

    @Test
    void shouldIgnoreInputsWhenVmNotFollowed() {
        AgentRunner runner = runner(slowScheduler);
        loadStep(runner);
        runner.doWork();
        assertEquals(0, runner.size());
        runner.observe(view());
        runner.doWork();
        assertEquals(1, runner.size());
        runner.forget("pg");
        runner.doWork();
        assertNull(runner.state("pg"));
        assertEquals(Long.MAX_VALUE, runner.nextWakeAtMs());
    }

    @Test
    void shouldShowGoalPermitAndLastDecisionToOtherThreads() throws Exception {
        AgentRunner runner = runner(slowScheduler);
        runner.observe(view());
        loadStep(runner);
        runner.doWork();
        AutoscalingView[] seen = new AutoscalingView[1];
        Thread reader = new Thread(() -> seen[0] = runner.view("pg").orElseThrow());
        reader.start();
        reader.join();
        AutoscalingView v = seen[0];
        assertEquals("neon", v.rules());
        assertEquals("250m/1Gi", AutoscalingView.shortText(v.permit()), "the first permit is the VM's use");
        assertEquals("1/4Gi", AutoscalingView.shortText(v.goal()), "load 0.9 / 0.9 = 1 CPU = 4 units");
        assertEquals("AwaitingPermit", v.operation());
        assertEquals("UpscaleRequested", v.lastDecision().reason());
        assertEquals(0.9, v.guest().loadAvg1());
        assertEquals(List.of(v), runner.views());
        runner.forget("pg");
        runner.doWork();
        assertTrue(runner.view("pg").isEmpty() && runner.views().isEmpty(), "a forgotten VM has no view");
    }
}
