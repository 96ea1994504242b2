package io.vmflex.agent.core;

import java.util.ArrayList;
import java.util.List;

/** Collects what one call of the core produces. Local to the call; not thread-safe. */
final class StepOutput {

    final List<ScalingAction> actions = new ArrayList<>(2);
    final List<Decision> decisions = new ArrayList<>(2);
    final List<LatencySample> latencies = new ArrayList<>(1);
    long wakeAtMs = Long.MAX_VALUE;

    void wakeAt(long atMs) {
        wakeAtMs = Math.min(wakeAtMs, atMs);
    }

    void explain(ScalingState.Builder s, Goal goal, long nowMs, DecisionKind kind, Allocation target, String detail) {
        decisions.add(new Decision(s.vm.name(), nowMs, kind, s.vm.use(), goal.target(), target, goal.inputs(), detail));
    }

    Step toStep(ScalingState state) {
        return new Step(state, actions, decisions, latencies, wakeAtMs);
    }
}
