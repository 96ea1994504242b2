package io.vmflex.agent.core;

/**
 * What the agent's core asks its executor to do. Every action belongs to a chain (one scaling
 * operation from decision to completion); its answer comes back as a {@link ScalingInput} with the
 * same chain id.
 */
public sealed interface ScalingAction {

    long chain();

    /** Upscale step 1 (or a periodic refresh): ask the scheduler for a permit. */
    record RequestPermit(long chain, PermitRequest request) implements ScalingAction {
    }

    /**
     * Patch the VM's {@code use} to this allocation. {@code revision} is the value to stamp into
     * {@code spec.targetRevision} so that {@code status.currentRevision} tells when the guest has it.
     */
    record PatchUse(long chain, String vm, Allocation use, long revision) implements ScalingAction {
    }

    /** Upscale step 3: tell the monitor what the guest was given (UpscaleNotification). */
    record NotifyUpscale(long chain, String vm, Allocation granted) implements ScalingAction {
    }

    /** Downscale step 1: ask the monitor whether the guest can give back down to this (DownscaleRequest). */
    record RequestDownscaleApproval(long chain, String vm, Allocation target) implements ScalingAction {
    }

    /** Downscale step 3: tell the scheduler the VM now uses only this, so it may release the rest. */
    record ReleaseToScheduler(long chain, String vm, String node, Allocation newUse) implements ScalingAction {
    }
}
