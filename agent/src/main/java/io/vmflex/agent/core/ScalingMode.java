package io.vmflex.agent.core;

/** Which rules the agent decides by. */
public enum ScalingMode {
    /** Neon's goal from the load average and memory, no stabilisation window; the benchmarks' baseline. */
    NEON_RULES,
    /** Neon's goal plus the guest's fast CPU-busy signal, a downscale stabilisation window and hysteresis. */
    VMFLEX
}
