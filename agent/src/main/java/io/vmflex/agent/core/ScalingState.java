package io.vmflex.agent.core;

/**
 * Everything the agent knows and remembers about one VM: the last view of it, the last guest
 * sample, the running operation, and every timer (retries, holds, windows) as a point in time, so
 * that the pure {@link ScalingCore} decides from this value and a clock reading alone. Immutable;
 * the core derives the next value through a {@link Builder} local to one call.
 *
 * <p>Times are milliseconds on the agent's clock. A "retry at" or "until" time of 0 has passed;
 * {@link #NEVER} marks a moment that has not happened.
 *
 * @param vm                    the VM as last observed (with the agent's own patches applied)
 * @param metrics               the last accepted guest sample, null until one arrives
 * @param monitorConnected      whether the guest monitor's channel is up
 * @param operation             what runs now
 * @param permit                what the scheduler has reserved for this VM (its last permit)
 * @param lastPermitRequestAtMs when the scheduler was last asked
 * @param permitRetryAtMs       no permit request before this (after a denial or a failure)
 * @param patchRetryAtMs        no patch before this (after a failure or a 409)
 * @param deniedTarget          the last downscale target the monitor denied, null if none
 * @param deniedUntilMs         no downscale is asked before this; the next attempt within one more hold
 *                              period asks at least the denied target + 1 unit
 * @param monitorFloorBytes     memory a monitor upscale request forces, 0 if none
 * @param monitorFloorUntilMs   until when it does
 * @param lastMonitorRequestAtMs when the last monitor upscale request was accepted (rate limit), or NEVER
 * @param lowerSinceMs          since when the downscale goal has stayed below use, NEVER if it is not
 * @param lowerPeak             the highest downscale goal seen since then, null if not lower
 * @param pendingNotify         an upscale notification still owed to the monitor, null if none
 * @param notifyRetryAtMs       not retried before this
 * @param pendingRelease        a release still owed to the scheduler, null if none
 * @param releaseRetryAtMs      not retried before this
 * @param nextChain             the id of the next chain
 * @param lastRevision          the last {@code targetRevision} value the agent patched
 * @param cpuResizedAtMs        when the VM's CPU last changed by the agent's patch; a busy fraction
 *                              received within {@link ScalingConfig#cpuBusyWindowMs()} after it may
 *                              have been measured against the old allocation, so it is not used
 * @param metricsRejected       guest samples refused as absurd
 * @param monitorRequestsDropped monitor upscale requests dropped by the rate limit
 * @param memoryDownscaledAtMs  when the agent last took memory away, or NEVER: a monitor upscale
 *                              request soon after means that downscale went too far
 * @param memoryHeldBytes       after such a regretted downscale, memory is not taken below this...
 * @param memoryHeldUntilMs     ...until this time (CPU still follows the load meanwhile)
 * @param load                  the guest's runnable tasks, read out of its load average
 */
public record ScalingState(
        VmView vm,
        GuestMetrics metrics,
        boolean monitorConnected,
        Operation operation,
        Allocation permit,
        long lastPermitRequestAtMs,
        long permitRetryAtMs,
        long patchRetryAtMs,
        Allocation deniedTarget,
        long deniedUntilMs,
        long monitorFloorBytes,
        long monitorFloorUntilMs,
        long lastMonitorRequestAtMs,
        long lowerSinceMs,
        Allocation lowerPeak,
        Allocation pendingNotify,
        long notifyRetryAtMs,
        Allocation pendingRelease,
        long releaseRetryAtMs,
        long nextChain,
        long lastRevision,
        long cpuResizedAtMs,
        long metricsRejected,
        long monitorRequestsDropped,
        long memoryDownscaledAtMs,
        long memoryHeldBytes,
        long memoryHeldUntilMs,
        LoadTracker load) {

    /** A moment that has not happened. */
    public static final long NEVER = Long.MIN_VALUE;

    /**
     * A VM the agent starts to follow. The scheduler already holds its {@code use}, so that is
     * the first permit.
     */
    public static ScalingState initial(VmView vm) {
        return new ScalingState(vm, null, false, Operation.IDLE, vm.use(), 0, 0, 0, null, 0, 0, 0, NEVER, NEVER, null,
                null, 0, null, 0, 1, vm.revision(), NEVER, 0, 0, NEVER, 0, 0, LoadTracker.NONE);
    }

    Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable copy used inside one pure call of the core; never shared. Not thread-safe. */
    static final class Builder {
        VmView vm;
        GuestMetrics metrics;
        boolean monitorConnected;
        Operation operation;
        Allocation permit;
        long lastPermitRequestAtMs;
        long permitRetryAtMs;
        long patchRetryAtMs;
        Allocation deniedTarget;
        long deniedUntilMs;
        long monitorFloorBytes;
        long monitorFloorUntilMs;
        long lastMonitorRequestAtMs;
        long lowerSinceMs;
        Allocation lowerPeak;
        Allocation pendingNotify;
        long notifyRetryAtMs;
        Allocation pendingRelease;
        long releaseRetryAtMs;
        long nextChain;
        long lastRevision;
        long cpuResizedAtMs;
        long metricsRejected;
        long monitorRequestsDropped;
        long memoryDownscaledAtMs;
        long memoryHeldBytes;
        long memoryHeldUntilMs;
        LoadTracker load;

        private Builder(ScalingState s) {
            copyFrom(s);
        }

        private void copyFrom(ScalingState s) {
            vm = s.vm;
            metrics = s.metrics;
            monitorConnected = s.monitorConnected;
            operation = s.operation;
            permit = s.permit;
            lastPermitRequestAtMs = s.lastPermitRequestAtMs;
            permitRetryAtMs = s.permitRetryAtMs;
            patchRetryAtMs = s.patchRetryAtMs;
            deniedTarget = s.deniedTarget;
            deniedUntilMs = s.deniedUntilMs;
            monitorFloorBytes = s.monitorFloorBytes;
            monitorFloorUntilMs = s.monitorFloorUntilMs;
            lastMonitorRequestAtMs = s.lastMonitorRequestAtMs;
            lowerSinceMs = s.lowerSinceMs;
            lowerPeak = s.lowerPeak;
            pendingNotify = s.pendingNotify;
            notifyRetryAtMs = s.notifyRetryAtMs;
            pendingRelease = s.pendingRelease;
            releaseRetryAtMs = s.releaseRetryAtMs;
            nextChain = s.nextChain;
            lastRevision = s.lastRevision;
            cpuResizedAtMs = s.cpuResizedAtMs;
            metricsRejected = s.metricsRejected;
            monitorRequestsDropped = s.monitorRequestsDropped;
            memoryDownscaledAtMs = s.memoryDownscaledAtMs;
            memoryHeldBytes = s.memoryHeldBytes;
            memoryHeldUntilMs = s.memoryHeldUntilMs;
            load = s.load;
        }

        /**
         * Starts over for another VM under the same name (deleted and made again): nothing of the old
         * one's permit, holds or revisions applies. Chain ids keep counting, so that a late answer for
         * the old VM's operation cannot be taken for one of the new VM's.
         */
        void startOver(VmView newVm) {
            long chain = nextChain;
            copyFrom(initial(newVm));
            nextChain = chain;
        }

        long newChainId() {
            return nextChain++;
        }

        long newRevision() {
            return ++lastRevision;
        }

        ScalingState build() {
            return new ScalingState(vm, metrics, monitorConnected, operation, permit, lastPermitRequestAtMs,
                    permitRetryAtMs, patchRetryAtMs, deniedTarget, deniedUntilMs, monitorFloorBytes,
                    monitorFloorUntilMs, lastMonitorRequestAtMs, lowerSinceMs, lowerPeak, pendingNotify,
                    notifyRetryAtMs, pendingRelease, releaseRetryAtMs, nextChain, lastRevision, cpuResizedAtMs, metricsRejected,
                    monitorRequestsDropped, memoryDownscaledAtMs, memoryHeldBytes, memoryHeldUntilMs, load);
        }
    }
}
