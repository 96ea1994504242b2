package io.vmflex.agent.core;

/**
 * The outcome of one goal computation. Immutable.
 *
 * @param target        the goal clamped to the bounds: what the VM should have now
 * @param downscaleGoal the goal with hysteresis (demand counted a little higher), also clamped:
 *                      the most a downscale may take it to; equal to the VM's use (no downscale)
 *                      when metrics are missing or stale
 * @param metricsFresh  a usable sample younger than the staleness limit was there
 * @param inputs        what it was computed from
 */
public record Goal(Allocation target, Allocation downscaleGoal, boolean metricsFresh, GoalInputs inputs) {
}
