package io.vmflex.agent.core;

/**
 * One explained decision: what happened, from which inputs, toward which goal. Immutable.
 *
 * @param vm      the VM's name
 * @param atMs    when, on the agent's clock
 * @param kind    what was decided or what happened
 * @param current the VM's use at that moment
 * @param goal    the goal (clamped to the bounds) at that moment
 * @param target  the allocation this decision is about (requested, granted, denied, applied)
 * @param inputs  what the goal was computed from
 * @param detail  one line for a human: a reason from the scheduler or monitor, or why it held
 */
public record Decision(String vm, long atMs, DecisionKind kind, Allocation current, Allocation goal,
                       Allocation target, GoalInputs inputs, String detail) {
}
