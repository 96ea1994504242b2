package io.vmflex.agent.core;

import io.vmflex.agent.core.Operation.Applying;
import io.vmflex.agent.core.Operation.AwaitingApproval;
import io.vmflex.agent.core.Operation.AwaitingPermit;
import io.vmflex.agent.core.Operation.Idle;
import io.vmflex.agent.core.Operation.NotifyingMonitor;
import io.vmflex.agent.core.Operation.Releasing;

/**
 * The agent's decision logic for one VM, as Neon's {@code NextActions}: a pure function of a
 * {@link ScalingState}, an input and a clock reading, returning the next state, the actions to run
 * and the decisions that explain them. Re-run on every input and whenever the returned
 * {@link Step#wakeAtMs()} comes. No I/O, no clock of its own, no hidden state: a test drives it
 * with a fake clock.
 *
 * <p>Immutable and thread-safe (it holds only its configuration); a state value must still be fed
 * by one caller at a time, as each call returns the state the next call needs.
 */
public final class ScalingCore {

    private final ScalingConfig config;
    private final InputHandler inputs;
    private final Planner planner;

    public ScalingCore(ScalingConfig config) {
        this.config = config;
        this.inputs = new InputHandler(config);
        this.planner = new Planner(config);
    }

    public ScalingConfig config() {
        return config;
    }

    /** Applies an input, then decides what comes next. */
    public Step onInput(ScalingState state, ScalingInput input, long nowMs) {
        ScalingState.Builder s = state.toBuilder();
        StepOutput out = new StepOutput();
        inputs.apply(s, input, goal(s, nowMs), nowMs, out);
        return decide(s, nowMs, out);
    }

    /** Decides what comes next with no new input (a timer came due). */
    public Step nextActions(ScalingState state, long nowMs) {
        return decide(state.toBuilder(), nowMs, new StepOutput());
    }

    /** The goal as it stands now, for display ({@code get vms -o wide}, {@code describe vm}). */
    public Goal goal(ScalingState state, long nowMs) {
        return GoalCalculator.compute(config, state.vm(), state.metrics(), state.monitorFloorBytes(),
                state.monitorFloorUntilMs(), state.cpuResizedAtMs(), state.load().runnable(), nowMs);
    }

    private Step decide(ScalingState.Builder s, long nowMs, StepOutput out) {
        timeOut(s, nowMs, out);
        planner.plan(s, goal(s, nowMs), nowMs, out);
        if (!(s.operation instanceof Idle)) {
            out.wakeAt(s.operation.startedAtMs() + config.operationTimeoutMs());
        }
        return out.toStep(s.build());
    }

    /** An operation with no answer within the timeout failed; its late answer will be ignored. */
    private void timeOut(ScalingState.Builder s, long nowMs, StepOutput out) {
        Operation op = s.operation;
        if (op instanceof Idle || nowMs < op.startedAtMs() + config.operationTimeoutMs()) {
            return;
        }
        String why = "no answer within " + config.operationTimeoutMs() + " ms";
        ScalingInput failure = switch (op) {
            case Idle idle -> throw new IllegalStateException("idle never times out");
            case AwaitingPermit p -> new ScalingInput.PermitFailed(p.chain().id(), why);
            case Applying a -> new ScalingInput.PatchFailed(a.chain().id(), why);
            case NotifyingMonitor n -> new ScalingInput.UpscaleNotifyFailed(n.chain().id(), why);
            case AwaitingApproval a -> new ScalingInput.DownscaleApprovalFailed(a.chain().id(), why);
            case Releasing r -> new ScalingInput.ReleaseFailed(r.chain().id(), why);
        };
        inputs.apply(s, failure, goal(s, nowMs), nowMs, out);
    }

    private Goal goal(ScalingState.Builder s, long nowMs) {
        return GoalCalculator.compute(config, s.vm, s.metrics, s.monitorFloorBytes, s.monitorFloorUntilMs,
                s.cpuResizedAtMs, s.load.runnable(), nowMs);
    }
}
