package io.vmflex.agent.core;

/**
 * Everything that can change a VM's scaling state: what the guest, the daemon and the scheduler
 * say, and the answers to the agent's own actions. Answers carry the chain id of the action they
 * answer; an answer to a chain the state no longer waits for is ignored.
 */
public sealed interface ScalingInput {

    /** A metrics sample from the guest monitor (untrusted). */
    record MetricsReceived(GuestMetrics metrics) implements ScalingInput {
    }

    /** The guest monitor asks for memory at once (memory pressure). Untrusted and rate-limited. */
    record MonitorUpscaleRequested() implements ScalingInput {
    }

    /** The VM's spec and status as the daemon (or Kubernetes) now shows them. */
    record VmObserved(VmView vm) implements ScalingInput {
    }

    /** The guest monitor's channel came up or went down; without it nothing is downscaled. */
    record MonitorConnection(boolean connected) implements ScalingInput {
    }

    /** The scheduler's permit: the most this VM may now use. Not above current means denied. */
    record PermitGranted(long chain, Allocation permitted) implements ScalingInput {
    }

    record PermitFailed(long chain, String reason) implements ScalingInput {
    }

    /** The VM has the resources of the patch (its {@code use} was accepted). */
    record PatchApplied(long chain) implements ScalingInput {
    }

    /** The daemon refused the patch because the VM is migrating (409). */
    record PatchRefusedMigrating(long chain, String reason) implements ScalingInput {
    }

    record PatchFailed(long chain, String reason) implements ScalingInput {
    }

    record UpscaleNotified(long chain) implements ScalingInput {
    }

    record UpscaleNotifyFailed(long chain, String reason) implements ScalingInput {
    }

    record DownscaleApproved(long chain) implements ScalingInput {
    }

    /** The monitor said no (the guest needs the memory). */
    record DownscaleDenied(long chain, String reason) implements ScalingInput {
    }

    /** The monitor could not be asked (channel error, timeout); held like a denial. */
    record DownscaleApprovalFailed(long chain, String reason) implements ScalingInput {
    }

    record Released(long chain) implements ScalingInput {
    }

    record ReleaseFailed(long chain, String reason) implements ScalingInput {
    }
}
