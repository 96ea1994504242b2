package io.vmflex.agent.core;

import java.util.List;

/**
 * What one call of the core produced: the next state, the actions to run, the decisions to
 * explain, the finished chains' latencies, and when to call again if nothing else happens.
 * Immutable.
 *
 * @param wakeAtMs the next timer (retry, hold end, window end, timeout); {@code Long.MAX_VALUE} if none
 */
public record Step(ScalingState state, List<ScalingAction> actions, List<Decision> decisions,
                   List<LatencySample> latencies, long wakeAtMs) {

    public Step {
        actions = List.copyOf(actions);
        decisions = List.copyOf(decisions);
        latencies = List.copyOf(latencies);
    }
}
