package io.vmflex.vmm.scaling;

import io.vmflex.vmm.qemu.CpuSlot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The reconciler's decision, a pure function of what the spec wants and what QEMU reports: which
 * vCPUs to plug or unplug and which virtio-mem size to request. Running it twice on the same
 * observation yields the same steps, and a step already under way (an unplug the guest has not
 * finished) is not issued again, so a lost reply or a repeated patch converges.
 */
final class ScalePlan {
    private static final Comparator<CpuSlot> SLOT_ORDER = Comparator.comparingInt(CpuSlot::socketId)
            .thenComparingInt(CpuSlot::coreId).thenComparingInt(CpuSlot::threadId);

    /** @param cpus vCPUs wanted; @param memoryPluggedBytes virtio-mem size wanted */
    public record Desired(int cpus, long memoryPluggedBytes) {
    }

    /**
     * @param pendingUnplug device ids already asked to leave, still present
     * @param memoryRequestedBytes the virtio-mem {@code requested-size} now set (-1 without virtio-mem)
     * @param memoryPluggedBytes   the virtio-mem {@code size} the guest has plugged so far
     */
    public record Observed(List<CpuSlot> cpus, Set<String> pendingUnplug, long memoryRequestedBytes,
                           long memoryPluggedBytes) {
        public int pluggedCpus() {
            return (int) cpus.stream().filter(CpuSlot::plugged).count();
        }
    }

    private ScalePlan() {
    }

    static List<ScaleStep> plan(Desired want, Observed have) {
        List<ScaleStep> steps = new ArrayList<>();
        // CPUs the guest is already ejecting count as gone: they will be, and re-asking changes nothing.
        int effective = have.pluggedCpus() - (int) have.cpus().stream()
                .filter(s -> s.hotplugged() && have.pendingUnplug().contains(s.deviceId())).count();
        if (effective < want.cpus()) {
            have.cpus().stream().filter(s -> !s.plugged()).sorted(SLOT_ORDER)
                    .limit(want.cpus() - effective)
                    .forEach(s -> steps.add(new ScaleStep.AddCpu(s)));
        } else if (effective > want.cpus()) {
            have.cpus().stream()
                    .filter(s -> s.hotplugged() && !have.pendingUnplug().contains(s.deviceId()))
                    .sorted(SLOT_ORDER.reversed())
                    .limit(effective - want.cpus())
                    .forEach(s -> steps.add(new ScaleStep.RemoveCpu(s.deviceId())));
        }
        if (have.memoryRequestedBytes() >= 0 && have.memoryRequestedBytes() != want.memoryPluggedBytes()) {
            steps.add(new ScaleStep.SetMemory(want.memoryPluggedBytes()));
        }
        return steps;
    }

    /** True when QEMU reports exactly what the spec asks for. */
    static boolean converged(Desired want, Observed have) {
        boolean memOk = have.memoryRequestedBytes() < 0 || have.memoryPluggedBytes() == want.memoryPluggedBytes();
        return have.pluggedCpus() == want.cpus() && memOk;
    }
}
