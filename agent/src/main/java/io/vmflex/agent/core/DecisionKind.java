package io.vmflex.agent.core;

/** Kinds of explained decisions; the lead maps them to events (ScaledUp, UpscaleDenied, ...). */
public enum DecisionKind {
    UPSCALE_REQUESTED,
    UPSCALE_PARTIAL,
    UPSCALE_DENIED,
    PERMIT_FAILED,
    SCALED_UP,
    UPSCALE_NOTIFY_FAILED,
    DOWNSCALE_REQUESTED,
    DOWNSCALE_DENIED,
    SCALED_DOWN,
    RELEASE_FAILED,
    PATCH_REFUSED_MIGRATING,
    PATCH_FAILED,
    METRICS_REJECTED,
    MONITOR_UPSCALE_REQUESTED,
    MONITOR_UPSCALE_RATE_LIMITED
}
