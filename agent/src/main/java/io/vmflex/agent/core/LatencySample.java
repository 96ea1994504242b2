package io.vmflex.agent.core;

/**
 * How long one completed scaling chain took, end to end and per leg, in milliseconds on the
 * agent's clock (Neon's {@code scaling_latency_seconds{direction}} and its plugin, monitor and
 * neonvm legs). A leg that did not run is -1 (an upscale inside an existing permit has no permit
 * leg). Immutable.
 */
public record LatencySample(String vm, Direction direction, long totalMs, long permitMs, long applyMs,
                            long monitorMs, long releaseMs) {

    public enum Direction { UP, DOWN }
}
