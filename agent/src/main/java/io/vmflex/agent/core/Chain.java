package io.vmflex.agent.core;

import io.vmflex.agent.core.LatencySample.Direction;

/**
 * Latency bookkeeping of one scaling operation: when it was decided and how long each finished leg
 * took (-1 = did not run). Immutable; each leg's end returns a new chain.
 *
 * @param id         the chain id every action and answer of this operation carries
 * @param startedAtMs when the decision was taken
 * @param legStartMs  when the running leg started
 */
public record Chain(long id, Direction direction, long startedAtMs, long legStartMs, long permitMs, long applyMs,
                    long monitorMs, long releaseMs) {

    public enum Leg { PERMIT, APPLY, MONITOR, RELEASE }

    public static Chain start(long id, Direction direction, long nowMs) {
        return new Chain(id, direction, nowMs, nowMs, -1, -1, -1, -1);
    }

    /** The running leg ended now; the next one starts now. */
    public Chain endLeg(Leg leg, long nowMs) {
        long took = nowMs - legStartMs;
        return switch (leg) {
            case PERMIT -> new Chain(id, direction, startedAtMs, nowMs, took, applyMs, monitorMs, releaseMs);
            case APPLY -> new Chain(id, direction, startedAtMs, nowMs, permitMs, took, monitorMs, releaseMs);
            case MONITOR -> new Chain(id, direction, startedAtMs, nowMs, permitMs, applyMs, took, releaseMs);
            case RELEASE -> new Chain(id, direction, startedAtMs, nowMs, permitMs, applyMs, monitorMs, took);
        };
    }

    public LatencySample finish(String vm, long nowMs) {
        return new LatencySample(vm, direction, nowMs - startedAtMs, permitMs, applyMs, monitorMs, releaseMs);
    }
}
