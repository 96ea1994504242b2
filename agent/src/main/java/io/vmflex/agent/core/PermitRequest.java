package io.vmflex.agent.core;

/**
 * What the agent asks the scheduler: may this VM grow from {@code current} to {@code requested}?
 * The agent's own record; the lead maps it to the scheduler's permit message. Immutable.
 *
 * @param vm         the VM's name
 * @param node       the node it runs on, may be null
 * @param current    what it uses now
 * @param requested  what it wants (equal to current for a periodic refresh)
 * @param lastPermit the last permit the scheduler gave it
 * @param metrics    the latest accepted guest sample, may be null
 */
public record PermitRequest(String vm, String node, Allocation current, Allocation requested, Allocation lastPermit,
                            GuestMetrics metrics) {
}
