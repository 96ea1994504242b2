package io.vmflex.agent.core;

import io.vmflex.agent.core.LatencySample.Direction;
import io.vmflex.agent.core.Operation.Applying;
import io.vmflex.agent.core.Operation.AwaitingApproval;
import io.vmflex.agent.core.Operation.AwaitingPermit;
import io.vmflex.agent.core.Operation.Idle;
import io.vmflex.agent.core.Operation.NotifyingMonitor;
import io.vmflex.agent.core.Operation.Releasing;
import io.vmflex.agent.core.ScalingAction.NotifyUpscale;
import io.vmflex.agent.core.ScalingAction.PatchUse;
import io.vmflex.agent.core.ScalingAction.ReleaseToScheduler;
import io.vmflex.agent.core.ScalingAction.RequestDownscaleApproval;
import io.vmflex.agent.core.ScalingAction.RequestPermit;

/**
 * Decides what an idle VM does next, in this order: nothing while it migrates; owed messages
 * (release to the scheduler, notification to the monitor) when their retry time has come; an
 * upscale when the goal is above use (inside the current permit directly, else by asking the
 * scheduler); a downscale when the goal has stayed lower for the whole window and no denial
 * holds; a periodic permit refresh. It also keeps the stabilisation window up to date. Pure;
 * stateless.
 */
final class Planner {

    private final ScalingConfig config;

    Planner(ScalingConfig config) {
        this.config = config;
    }

    void plan(ScalingState.Builder s, Goal goal, long now, StepOutput out) {
        trackWindow(s, goal, now);
        if (!(s.operation instanceof Idle)) {
            return; // the core wakes it at the operation's timeout
        }
        if (s.vm.migrating()) {
            return; // the observation that it landed wakes the VM up
        }
        if (startOwedMessage(s, now, out)) {
            return;
        }
        Allocation use = s.vm.use();
        Allocation up = Allocation.max(use, goal.target());
        if (up.anyAbove(use)) {
            startUpscale(s, goal, up, now, out);
            return;
        }
        if (startDownscale(s, goal, now, out)) {
            return;
        }
        if (config.permitRefreshMs() > 0) {
            long due = s.lastPermitRequestAtMs + config.permitRefreshMs();
            if (now >= due) {
                askPermit(s, Chain.start(s.newChainId(), Direction.UP, now), use, true, now, out);
            } else {
                out.wakeAt(due);
            }
        }
    }

    /** The downscale goal must stay below use for the window; its highest value in the window is the target. */
    private static void trackWindow(ScalingState.Builder s, Goal goal, long now) {
        if (!goal.metricsFresh() || !goal.downscaleGoal().anyBelow(s.vm.use())) {
            s.lowerSinceMs = ScalingState.NEVER;
            s.lowerPeak = null;
        } else if (s.lowerSinceMs == ScalingState.NEVER) {
            s.lowerSinceMs = now;
            s.lowerPeak = goal.downscaleGoal();
        } else {
            s.lowerPeak = Allocation.max(s.lowerPeak, goal.downscaleGoal());
        }
    }

    private boolean startOwedMessage(ScalingState.Builder s, long now, StepOutput out) {
        if (s.pendingRelease != null) {
            if (now >= s.releaseRetryAtMs) {
                Chain chain = Chain.start(s.newChainId(), Direction.DOWN, now);
                s.operation = new Releasing(chain, s.pendingRelease, true, now);
                out.actions.add(new ReleaseToScheduler(chain.id(), s.vm.name(), s.vm.node(), s.pendingRelease));
                return true;
            }
            out.wakeAt(s.releaseRetryAtMs);
        }
        if (s.pendingNotify != null && s.monitorConnected) {
            if (now >= s.notifyRetryAtMs) {
                Chain chain = Chain.start(s.newChainId(), Direction.UP, now);
                s.operation = new NotifyingMonitor(chain, s.pendingNotify, true, now);
                out.actions.add(new NotifyUpscale(chain.id(), s.vm.name(), s.pendingNotify));
                return true;
            }
            out.wakeAt(s.notifyRetryAtMs);
        }
        return false;
    }

    private void startUpscale(ScalingState.Builder s, Goal goal, Allocation up, long now, StepOutput out) {
        if (now < s.patchRetryAtMs) {
            out.wakeAt(s.patchRetryAtMs);
            return;
        }
        if (s.permit.covers(up)) {
            Chain chain = Chain.start(s.newChainId(), Direction.UP, now);
            long revision = s.newRevision();
            s.operation = new Applying(chain, up, revision, now);
            out.actions.add(new PatchUse(chain.id(), s.vm.name(), up, revision));
            out.explain(s, goal, now, DecisionKind.UPSCALE_REQUESTED, up, "inside the current permit " + s.permit);
            return;
        }
        if (now < s.permitRetryAtMs) {
            out.wakeAt(s.permitRetryAtMs);
            return;
        }
        askPermit(s, Chain.start(s.newChainId(), Direction.UP, now), up, false, now, out);
        out.explain(s, goal, now, DecisionKind.UPSCALE_REQUESTED, up, "asking the scheduler");
    }

    private static void askPermit(ScalingState.Builder s, Chain chain, Allocation requested, boolean refresh, long now,
                                  StepOutput out) {
        s.operation = new AwaitingPermit(chain, requested, refresh, now);
        s.lastPermitRequestAtMs = now;
        out.actions.add(new RequestPermit(chain.id(),
                new PermitRequest(s.vm.name(), s.vm.node(), s.vm.use(), requested, s.permit, s.metrics)));
    }

    private boolean startDownscale(ScalingState.Builder s, Goal goal, long now, StepOutput out) {
        if (!goal.metricsFresh() || !s.monitorConnected || s.lowerSinceMs == ScalingState.NEVER) {
            return false;
        }
        long due = s.lowerSinceMs + config.downscaleWindowMs();
        if (now < due) {
            out.wakeAt(due);
            return false;
        }
        Allocation use = s.vm.use();
        Allocation target = Allocation.min(use, s.lowerPeak);
        if (s.deniedTarget != null) {
            // A denial holds: nothing is asked until the hold ends, and the next attempt (if it
            // comes within another hold period) asks at least the denied target + 1 unit, so
            // repeated denials step up at one request per hold instead of storming the monitor.
            if (now < s.deniedUntilMs) {
                out.wakeAt(s.deniedUntilMs);
                return false;
            }
            if (now < s.deniedUntilMs + config.deniedDownscaleHoldMs()) {
                Allocation unit = s.vm.unit();
                Allocation floor = Allocation.min(use, new Allocation(s.deniedTarget.cpuMillis() + unit.cpuMillis(),
                        s.deniedTarget.memBytes() + unit.memBytes()));
                target = Allocation.max(target, floor);
            }
        }
        if (now < s.memoryHeldUntilMs) {
            long held = Math.min(use.memBytes(), Math.max(target.memBytes(), s.memoryHeldBytes));
            target = new Allocation(target.cpuMillis(), held);
        }
        if (!target.anyBelow(use)) {
            if (now < s.memoryHeldUntilMs && target.memBytes() > Allocation.min(use, s.lowerPeak).memBytes()) {
                out.wakeAt(s.memoryHeldUntilMs);
            }
            return false;
        }
        if (now < s.patchRetryAtMs) {
            out.wakeAt(s.patchRetryAtMs);
            return false;
        }
        Chain chain = Chain.start(s.newChainId(), Direction.DOWN, now);
        s.operation = new AwaitingApproval(chain, target, now);
        out.actions.add(new RequestDownscaleApproval(chain.id(), s.vm.name(), target));
        out.explain(s, goal, now, DecisionKind.DOWNSCALE_REQUESTED, target,
                "goal below use for " + (now - s.lowerSinceMs) + " ms");
        return true;
    }
}
