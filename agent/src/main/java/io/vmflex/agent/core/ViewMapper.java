package io.vmflex.agent.core;

import io.vmflex.api.autoscaling.AutoscalingView;
import io.vmflex.api.autoscaling.ResourceAmount;
import io.vmflex.api.vm.ByteQuantity;

import java.time.Instant;

/**
 * Turns a VM's scaling state, its goal now and its last decision into the {@link AutoscalingView}
 * that the admin API serves. Pure.
 */
public final class ViewMapper {

    private ViewMapper() {
    }

    /** @param last the VM's last decision, null before any */
    public static AutoscalingView view(ScalingState s, Goal goal, Decision last) {
        VmView vm = s.vm();
        GoalInputs in = goal.inputs();
        AutoscalingView.Readings readings = goal.metricsFresh()
                ? new AutoscalingView.Readings(finite(in.loadAvg1()), finite(in.cpuBusyFraction()), finite(in.runnableTasks()),
                ByteQuantity.ofBytes((long) Math.max(0, in.memUsedBytes())), in.metricsAgeMs())
                : null;
        AutoscalingView.LastDecision decision = last == null ? null : new AutoscalingView.LastDecision(
                DecisionText.reason(last.kind()), Instant.ofEpochMilli(last.atMs()), DecisionText.message(last));
        return new AutoscalingView(vm.name(), in.mode() == ScalingMode.VMFLEX ? "vmflex" : "neon",
                amount(vm.boundsMin()), amount(vm.boundsMax()), amount(vm.unit()), amount(vm.use()),
                amount(goal.target()), amount(s.permit()), s.operation().getClass().getSimpleName(), readings, decision);
    }

    private static ResourceAmount amount(Allocation a) {
        return a == null ? null : AutoscalingView.amount(a.cpuMillis(), a.memBytes());
    }

    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
