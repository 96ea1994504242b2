package io.vmflex.api.autoscaling;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;

import java.time.Instant;
import java.util.Objects;

/**
 * What the autoscaler agent thinks of one VM right now, as the admin API serves it
 * ({@code GET /v1/autoscaling}, {@code GET /v1/vms/NAME/autoscaling}) for {@code vmctl describe} and
 * {@code vmctl get vms -o wide}: the range it may move the VM in, where it wants it (goal), what the
 * scheduler has reserved (permit), what it is doing, from which guest readings, and its last decision.
 * Immutable.
 *
 * @param vm           the VM's name
 * @param rules        the goal rules in use ({@code vmflex} or {@code neon})
 * @param min          lower bound (bounds annotation, else the spec's min)
 * @param max          upper bound
 * @param unit         the compute unit goals are counted in
 * @param use          what the VM has been given (its spec's {@code use})
 * @param goal         where the agent wants it, clamped to the bounds
 * @param permit       what the scheduler has reserved for it
 * @param operation    what the agent is doing: {@code Idle}, {@code AwaitingPermit}, {@code Applying}, ...
 * @param guest        the readings the goal came from, null before the first fresh sample
 * @param lastDecision the agent's last explained decision, null before any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AutoscalingView(String vm, String rules, ResourceAmount min, ResourceAmount max, ResourceAmount unit,
                              ResourceAmount use, ResourceAmount goal, ResourceAmount permit, String operation,
                              Readings guest, LastDecision lastDecision) {

    public AutoscalingView {
        Objects.requireNonNull(vm, "vm");
    }

    /**
     * @param loadAvg1        the guest's 1-minute load average
     * @param cpuBusyFraction the busy share of its CPU allocation over the last second or two, null when not used
     * @param runnableTasks   the guest's runnable tasks, read out of its load average; null when not known
     * @param memoryUsed      memory in use in the guest
     * @param ageMs           how old the sample was when the goal was computed
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Readings(Double loadAvg1, Double cpuBusyFraction, Double runnableTasks, ByteQuantity memoryUsed, long ageMs) {
    }

    /**
     * @param reason  the event reason ({@code ScaledUp}, {@code DownscaleDenied}, ...)
     * @param at      when
     * @param message the event's text
     */
    public record LastDecision(String reason, Instant at, String message) {
    }

    /** {@code 500m/2Gi}: how the CLI's columns show an amount. */
    public static String shortText(ResourceAmount a) {
        return a == null ? null : a.cpu() + "/" + a.mem();
    }

    public static ResourceAmount amount(long cpuMillis, long memBytes) {
        return new ResourceAmount(new MilliCpu(cpuMillis), ByteQuantity.ofBytes(memBytes));
    }
}
