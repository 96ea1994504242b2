package io.vmflex.agent.core;

import io.vmflex.agent.core.LatencySample.Direction;
import io.vmflex.agent.core.Operation.Applying;
import io.vmflex.agent.core.Operation.AwaitingApproval;
import io.vmflex.agent.core.Operation.AwaitingPermit;
import io.vmflex.agent.core.Operation.NotifyingMonitor;
import io.vmflex.agent.core.Operation.Releasing;
import io.vmflex.agent.core.ScalingAction.NotifyUpscale;
import io.vmflex.agent.core.ScalingAction.PatchUse;
import io.vmflex.agent.core.ScalingAction.ReleaseToScheduler;
import io.vmflex.agent.core.ScalingInput.DownscaleApprovalFailed;
import io.vmflex.agent.core.ScalingInput.DownscaleApproved;
import io.vmflex.agent.core.ScalingInput.DownscaleDenied;
import io.vmflex.agent.core.ScalingInput.MetricsReceived;
import io.vmflex.agent.core.ScalingInput.MonitorConnection;
import io.vmflex.agent.core.ScalingInput.MonitorUpscaleRequested;
import io.vmflex.agent.core.ScalingInput.PatchApplied;
import io.vmflex.agent.core.ScalingInput.PatchFailed;
import io.vmflex.agent.core.ScalingInput.PatchRefusedMigrating;
import io.vmflex.agent.core.ScalingInput.PermitFailed;
import io.vmflex.agent.core.ScalingInput.PermitGranted;
import io.vmflex.agent.core.ScalingInput.ReleaseFailed;
import io.vmflex.agent.core.ScalingInput.Released;
import io.vmflex.agent.core.ScalingInput.UpscaleNotified;
import io.vmflex.agent.core.ScalingInput.UpscaleNotifyFailed;
import io.vmflex.agent.core.ScalingInput.VmObserved;

/**
 * Applies one input to a VM's state: a new observation, or the answer to a running operation,
 * which moves the operation on (emitting its next action) or ends it. Answers for a chain the state
 * does not wait for are ignored. Pure; stateless.
 */
final class InputHandler {

    /** A monitor request this soon after a memory downscale says the downscale went too far. */
    static final long REGRET_WINDOW_MS = 10_000;

    private final ScalingConfig config;

    InputHandler(ScalingConfig config) {
        this.config = config;
    }

    void apply(ScalingState.Builder s, ScalingInput input, Goal goal, long now, StepOutput out) {
        switch (input) {
            case MetricsReceived(GuestMetrics metrics) -> onMetrics(s, metrics, goal, now, out);
            case MonitorUpscaleRequested() -> onMonitorUpscale(s, goal, now, out);
            case VmObserved(VmView vm) -> onVm(s, vm, now);
            case MonitorConnection(boolean connected) -> s.monitorConnected = connected;
            case PermitGranted(long chain, Allocation permitted) -> {
                if (s.operation instanceof AwaitingPermit op && op.chain().id() == chain) {
                    onPermit(s, op, permitted, goal, now, out);
                }
            }
            case PermitFailed(long chain, String reason) -> {
                if (s.operation instanceof AwaitingPermit op && op.chain().id() == chain) {
                    s.operation = Operation.IDLE;
                    s.permitRetryAtMs = now + config.permitRetryAfterFailureMs();
                    if (!op.refresh()) {
                        out.explain(s, goal, now, DecisionKind.PERMIT_FAILED, op.requested(), reason);
                    }
                }
            }
            case PatchApplied(long chain) -> {
                if (s.operation instanceof Applying op && op.chain().id() == chain) {
                    onApplied(s, op, goal, now, out);
                }
            }
            case PatchRefusedMigrating(long chain, String reason) -> {
                if (s.operation instanceof Applying op && op.chain().id() == chain) {
                    onPatchNotApplied(s, op, goal, now, out, DecisionKind.PATCH_REFUSED_MIGRATING, reason);
                }
            }
            case PatchFailed(long chain, String reason) -> {
                if (s.operation instanceof Applying op && op.chain().id() == chain) {
                    onPatchNotApplied(s, op, goal, now, out, DecisionKind.PATCH_FAILED, reason);
                }
            }
            case UpscaleNotified(long chain) -> {
                if (s.operation instanceof NotifyingMonitor op && op.chain().id() == chain) {
                    s.operation = Operation.IDLE;
                    s.pendingNotify = null;
                    if (!op.retry()) {
                        out.latencies.add(op.chain().endLeg(Chain.Leg.MONITOR, now).finish(s.vm.name(), now));
                    }
                }
            }
            case UpscaleNotifyFailed(long chain, String reason) -> {
                if (s.operation instanceof NotifyingMonitor op && op.chain().id() == chain) {
                    s.operation = Operation.IDLE;
                    s.pendingNotify = op.granted();
                    s.notifyRetryAtMs = now + config.monitorRetryMs();
                    out.explain(s, goal, now, DecisionKind.UPSCALE_NOTIFY_FAILED, op.granted(), reason);
                }
            }
            case DownscaleApproved(long chain) -> {
                if (s.operation instanceof AwaitingApproval op && op.chain().id() == chain) {
                    long revision = s.newRevision();
                    s.operation = new Applying(op.chain().endLeg(Chain.Leg.MONITOR, now), op.target(), revision, now);
                    out.actions.add(new PatchUse(chain, s.vm.name(), op.target(), revision));
                }
            }
            case DownscaleDenied(long chain, String reason) -> {
                if (s.operation instanceof AwaitingApproval op && op.chain().id() == chain) {
                    hold(s, op, now);
                    out.explain(s, goal, now, DecisionKind.DOWNSCALE_DENIED, op.target(), reason);
                }
            }
            case DownscaleApprovalFailed(long chain, String reason) -> {
                if (s.operation instanceof AwaitingApproval op && op.chain().id() == chain) {
                    hold(s, op, now);
                    out.explain(s, goal, now, DecisionKind.DOWNSCALE_DENIED, op.target(),
                            "monitor could not be asked: " + reason);
                }
            }
            case Released(long chain) -> {
                if (s.operation instanceof Releasing op && op.chain().id() == chain) {
                    s.operation = Operation.IDLE;
                    s.permit = op.newUse();
                    s.pendingRelease = null;
                    if (!op.retry()) {
                        out.latencies.add(op.chain().endLeg(Chain.Leg.RELEASE, now).finish(s.vm.name(), now));
                    }
                }
            }
            case ReleaseFailed(long chain, String reason) -> {
                if (s.operation instanceof Releasing op && op.chain().id() == chain) {
                    s.operation = Operation.IDLE;
                    s.pendingRelease = op.newUse();
                    s.releaseRetryAtMs = now + config.monitorRetryMs();
                    out.explain(s, goal, now, DecisionKind.RELEASE_FAILED, op.newUse(), reason);
                }
            }
        }
    }

    private void onMetrics(ScalingState.Builder s, GuestMetrics metrics, Goal goal, long now, StepOutput out) {
        String[] why = new String[1];
        GuestMetrics accepted = MetricsSanitiser.sanitise(metrics, config, why);
        if (accepted == null) {
            s.metricsRejected++;
            // One explanation for the first and then one a minute (at one sample a second), not a storm.
            if (s.metricsRejected % 60 == 1) {
                out.explain(s, goal, now, DecisionKind.METRICS_REJECTED, s.vm.use(),
                        why[0] + " (" + s.metricsRejected + " refused so far)");
            }
            return;
        }
        s.metrics = accepted;
        s.load = s.load.seen(accepted.loadAvg1(), accepted.receivedAtMs());
    }

    /** How long a regretted downscale holds: ten downscale windows, at least a minute. */
    static long regretHoldMs(ScalingConfig config) {
        return Math.max(60_000, 10 * config.downscaleWindowMs());
    }

    private void onMonitorUpscale(ScalingState.Builder s, Goal goal, long now, StepOutput out) {
        if (s.lastMonitorRequestAtMs != ScalingState.NEVER
                && now - s.lastMonitorRequestAtMs < config.monitorUpscaleMinIntervalMs()) {
            s.monitorRequestsDropped++;
            if (s.monitorRequestsDropped % 60 == 1) {
                out.explain(s, goal, now, DecisionKind.MONITOR_UPSCALE_RATE_LIMITED, s.vm.use(),
                        s.monitorRequestsDropped + " monitor upscale requests dropped so far");
            }
            return;
        }
        s.lastMonitorRequestAtMs = now;
        s.monitorFloorBytes = s.vm.use().memBytes() + s.vm.unit().memBytes();
        s.monitorFloorUntilMs = now + config.monitorUpscaleValidMs();
        out.explain(s, goal, now, DecisionKind.MONITOR_UPSCALE_REQUESTED,
                new Allocation(s.vm.use().cpuMillis(), s.monitorFloorBytes), "memory pressure in the guest");
        if (s.memoryDownscaledAtMs != ScalingState.NEVER && now - s.memoryDownscaledAtMs < REGRET_WINDOW_MS) {
            // The guest felt the last downscale at once (the unplug's own reclaim): that memory level is
            // too low for now. The level it asks for is held for long, so a VM at rest does not go down
            // and up again every window; CPU is not held (the guest said nothing about CPU).
            long after = now - s.memoryDownscaledAtMs;
            s.memoryHeldBytes = s.monitorFloorBytes;
            s.memoryHeldUntilMs = now + regretHoldMs(config);
            s.memoryDownscaledAtMs = ScalingState.NEVER;
            out.explain(s, goal, now, DecisionKind.DOWNSCALE_DENIED, new Allocation(s.vm.use().cpuMillis(), s.memoryHeldBytes),
                    "the guest asked for memory " + after + " ms after the last downscale; memory stays at or above "
                    + (s.memoryHeldBytes >> 20) + " MiB for " + regretHoldMs(config) / 1000 + " s");
        }
    }

    private static void onVm(ScalingState.Builder s, VmView vm, long now) {
        VmView before = s.vm;
        if (!vm.sameVmAs(before)) {
            s.startOver(vm);
            return;
        }
        // A view older than the agent's own last patch must not undo it (watch lag).
        VmView next = vm.revision() < s.lastRevision ? vm.withUse(before.use()) : vm;
        if (next.node() != null && before.node() != null && !next.node().equals(before.node())) {
            // Landed on another node: that node's scheduler holds what the VM uses, nothing more.
            s.permit = next.use();
        }
        if (before.migrating() && !next.migrating()) {
            s.patchRetryAtMs = Math.min(s.patchRetryAtMs, now);
        }
        s.vm = next;
    }

    private void onPermit(ScalingState.Builder s, AwaitingPermit op, Allocation permitted, Goal goal, long now,
                          StepOutput out) {
        s.permit = permitted;
        s.operation = Operation.IDLE;
        if (op.refresh()) {
            return;
        }
        Allocation use = s.vm.use();
        Allocation apply = Allocation.max(use, Allocation.min(op.requested(), permitted));
        if (!apply.anyAbove(use)) {
            s.permitRetryAtMs = now + config.permitRetryAfterDenialMs();
            out.explain(s, goal, now, DecisionKind.UPSCALE_DENIED, op.requested(),
                    "scheduler permits only " + permitted);
            return;
        }
        if (!apply.equals(op.requested())) {
            s.permitRetryAtMs = now + config.permitRetryAfterDenialMs();
            out.explain(s, goal, now, DecisionKind.UPSCALE_PARTIAL, apply,
                    "asked " + op.requested() + ", scheduler permits " + permitted);
        }
        long revision = s.newRevision();
        s.operation = new Applying(op.chain().endLeg(Chain.Leg.PERMIT, now), apply, revision, now);
        out.actions.add(new PatchUse(op.chain().id(), s.vm.name(), apply, revision));
    }

    private void onApplied(ScalingState.Builder s, Applying op, Goal goal, long now, StepOutput out) {
        Allocation before = s.vm.use();
        s.vm = s.vm.withUse(op.target());
        if (before.cpuMillis() != op.target().cpuMillis()) {
            s.cpuResizedAtMs = now;
        }
        Chain chain = op.chain().endLeg(Chain.Leg.APPLY, now);
        if (chain.direction() == Direction.UP) {
            out.explain(s, goal, now, DecisionKind.SCALED_UP, op.target(), "from " + before);
            if (s.monitorConnected) {
                s.operation = new NotifyingMonitor(chain, op.target(), false, now);
                out.actions.add(new NotifyUpscale(chain.id(), s.vm.name(), op.target()));
            } else {
                s.operation = Operation.IDLE;
                out.latencies.add(chain.finish(s.vm.name(), now));
            }
        } else {
            out.explain(s, goal, now, DecisionKind.SCALED_DOWN, op.target(), "from " + before);
            if (op.target().memBytes() < before.memBytes()) {
                s.memoryDownscaledAtMs = now;
            }
            s.lowerSinceMs = ScalingState.NEVER;
            s.lowerPeak = null;
            s.operation = new Releasing(chain, op.target(), false, now);
            out.actions.add(new ReleaseToScheduler(chain.id(), s.vm.name(), s.vm.node(), op.target()));
        }
    }

    private void onPatchNotApplied(ScalingState.Builder s, Applying op, Goal goal, long now, StepOutput out,
                                   DecisionKind kind, String reason) {
        s.operation = Operation.IDLE;
        s.patchRetryAtMs = now + (kind == DecisionKind.PATCH_REFUSED_MIGRATING ? config.migratingRetryMs()
                : config.patchRetryMs());
        if (op.chain().direction() == Direction.DOWN) {
            // The monitor already gave the memory up for a downscale that did not happen: tell it
            // what it still has.
            s.pendingNotify = s.vm.use();
            s.notifyRetryAtMs = now;
        }
        out.explain(s, goal, now, kind, op.target(), reason);
    }

    private void hold(ScalingState.Builder s, AwaitingApproval op, long now) {
        s.operation = Operation.IDLE;
        s.deniedTarget = op.target();
        s.deniedUntilMs = now + config.deniedDownscaleHoldMs();
    }
}
