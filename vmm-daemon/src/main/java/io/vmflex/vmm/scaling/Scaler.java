package io.vmflex.vmm.scaling;

import io.vmflex.api.vm.VmPhase;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.CpuSlot;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.store.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One scaling pass over a running QEMU: observe what it has plugged, plan with {@link ScalePlan},
 * issue the steps through {@link QmpOps}, observe again and say whether that matches the spec.
 * Keeps what a pass cannot see in QEMU: the vCPU unplugs the guest has not finished yet, and
 * which warnings were already given. Counts vCPU plugs against the runtime's TCG plug budget and
 * persists the count.
 *
 * <p>Not threadsafe; used only on its supervisor's owner thread.
 */
public final class Scaler {
    private static final Logger LOG = LoggerFactory.getLogger(Scaler.class);

    private final String vm;
    private final NodeContext node;
    private final StateStore store;
    private final VmCgroup cgroup;
    private final GuestCpus guestCpus;
    private final Set<String> pendingUnplug = new HashSet<>();
    private boolean unplugRefusalReported;
    private boolean plugBudgetReported;

    /**
     * What a pass found.
     *
     * @param converged   QEMU reports the spec's vCPUs and memory
     * @param observation the new observation, or the previous one unchanged when a QMP step failed
     * @param runtime     QEMU's runtime record, with the vCPU plugs of this pass counted
     */
    public record Outcome(boolean converged, Observation observation, QemuRuntime runtime) {
    }

    /** A scaler of QmpScaling VMs only. */
    public Scaler(String vm, NodeContext node, StateStore store, VmCgroup cgroup) {
        this(vm, node, store, cgroup, GuestCpus.NONE);
    }

    /** @param guestCpus the guest's answers for SysfsScaling VMs */
    public Scaler(String vm, NodeContext node, StateStore store, VmCgroup cgroup, GuestCpus guestCpus) {
        this.vm = vm;
        this.node = node;
        this.store = store;
        this.cgroup = cgroup;
        this.guestCpus = guestCpus;
    }

    /** A new QEMU runs: nothing of the old one is pending, and its plug budget is fresh. */
    public void onQemuStarted() {
        plugBudgetReported = false;
        pendingUnplug.clear();
        guestCpus.reset();
    }

    /** QEMU's DEVICE_DELETED: the guest released a device; reports it when it was an unplug of ours. */
    public void onDeviceDeleted(String deviceId) {
        if (deviceId != null && pendingUnplug.remove(deviceId)) {
            node.events().publish(VmEvent.normal(vm, "CpuUnplugged", "guest released vCPU " + deviceId));
        }
    }

    /**
     * Observes QEMU, issues the plan's steps, records what QEMU reports.
     *
     * @param previous the supervisor's last observation (its restart count is kept)
     * @param pid      QEMU's pid
     */
    public Outcome scale(QmpOps ops, SpecView spec, QemuRuntime runtime, Observation previous, int pid) {
        try {
            ScalePlan.Observed have = observe(ops, spec);
            // SysfsScaling: QEMU keeps every vCPU plugged (it booted with them all); the guest onlines
            // the spec's number of them when asked, and its answer is what status reports.
            ScalePlan.Desired want = new ScalePlan.Desired(spec.sysfsCpus() ? spec.bootCpus() : spec.desiredCpus(),
                    spec.desiredPluggedBytes());
            List<ScaleStep> steps = withoutUnsafeUnplugs(ScalePlan.plan(want, have));
            for (ScaleStep step : steps) {
                // A pass that fails half-way still counts the plugs it made.
                runtime = apply(ops, step, runtime);
            }
            if (!steps.isEmpty()) {
                have = observe(ops, spec);
            }
            cgroup.limitCpu(spec.cpuUseMillis());
            boolean converged = ScalePlan.converged(want, have);
            int cpus = have.pluggedCpus();
            if (spec.sysfsCpus()) {
                int online = guestCpus.online();
                if (online != spec.desiredCpus()) {
                    guestCpus.request(spec.desiredCpus());
                }
                converged = converged && online == spec.desiredCpus();
                cpus = online > 0 ? online : cpus;
            }
            long cpuMillis = Math.min(cpus * 1000L, spec.cpuUseMillis());
            Observation now = new Observation(converged ? VmPhase.Running : VmPhase.Scaling, cpus,
                    converged ? cpuMillis : cpus * 1000L,
                    spec.baseMemoryBytes() + Math.max(0, have.memoryPluggedBytes()), pid, runtime.accel(),
                    previous.restartCount(), converged ? "Running" : "Scaling",
                    converged ? "QEMU reports the spec's vCPUs and memory"
                            : spec.sysfsCpus() ? "waiting for the guest to online or offline vCPUs, or for memory"
                            : "plugging or unplugging vCPUs or memory");
            return new Outcome(converged, now, runtime);
        } catch (QmpOps.QmpFailure e) {
            LOG.warn("vm={} QMP step failed: {}", vm, e.getMessage());
            node.events().publish(VmEvent.warning(vm, "QmpError", e.getMessage()));
            return new Outcome(false, previous, runtime);
        }
    }

    /** Drops vCPU unplugs where this QEMU would crash on the re-plug, and says so once. */
    private List<ScaleStep> withoutUnsafeUnplugs(List<ScaleStep> steps) {
        if (node.cpuUnplugSafe() || steps.stream().noneMatch(st -> st instanceof ScaleStep.RemoveCpu)) {
            return steps;
        }
        if (!unplugRefusalReported) {
            unplugRefusalReported = true;
            node.events().publish(VmEvent.warning(vm, "CpuUnplugUnsafe",
                    "not unplugging vCPUs: this QEMU crashes on vCPU re-plug under TCG (use QEMU 8.0 or later)"));
        }
        return steps.stream().filter(st -> !(st instanceof ScaleStep.RemoveCpu)).toList();
    }

    private ScalePlan.Observed observe(QmpOps ops, SpecView spec) throws QmpOps.QmpFailure {
        List<CpuSlot> cpus = ops.hotpluggableCpus();
        // Unplugs the guest finished without our seeing DEVICE_DELETED (e.g. across a daemon restart).
        pendingUnplug.removeIf(id -> cpus.stream().noneMatch(s -> s.hotplugged() && s.deviceId().equals(id)));
        long requested = -1;
        long plugged = 0;
        if (spec.hotplugMemoryBytes() > 0) {
            requested = ops.virtioMemLong("requested-size");
            plugged = ops.virtioMemLong("size");
        }
        return new ScalePlan.Observed(cpus, Set.copyOf(pendingUnplug), requested, plugged);
    }

    private QemuRuntime saved(QemuRuntime runtime) {
        try {
            store.saveRuntime(vm, runtime);
        } catch (IOException e) {
            LOG.error("vm={} cannot persist runtime: {}", vm, e.toString());
        }
        return runtime;
    }

    /** Issues one step; returns the runtime with the step's vCPU plug or unplug counted. */
    private QemuRuntime apply(QmpOps ops, ScaleStep step, QemuRuntime runtime) throws QmpOps.QmpFailure {
        switch (step) {
            case ScaleStep.AddCpu add -> {
                if (!runtime.cpuPlugBudgetLeft()) {
                    if (!plugBudgetReported) {
                        plugBudgetReported = true;
                        node.events().publish(VmEvent.warning(vm, "CpuPlugBudgetExhausted", "this QEMU has used all "
                                + runtime.cpuPlugBudget() + " vCPU plugs TCG allows it; restart the VM to plug more"));
                    }
                    return runtime;
                }
                ops.addCpu(add.slot());
                runtime = saved(runtime.withCpuPlugs(runtime.cpuPlugs() + 1));
                node.events().publish(VmEvent.normal(vm, "CpuPlugged", "plugged vCPU " + add.slot().deviceId()));
            }
            case ScaleStep.RemoveCpu rm -> {
                ops.removeDevice(rm.deviceId());
                pendingUnplug.add(rm.deviceId());
                runtime = saved(runtime.withCpuUnplugs(runtime.cpuUnplugs() + 1));
                node.events().publish(VmEvent.normal(vm, "CpuUnplugRequested", "asked the guest to release vCPU " + rm.deviceId()));
            }
            case ScaleStep.SetMemory mem -> {
                ops.setVirtioMemRequestedSize(mem.requestedBytes());
                node.events().publish(VmEvent.normal(vm, "MemoryResize",
                        "virtio-mem requested-size set to " + (mem.requestedBytes() >> 20) + " MiB"));
            }
        }
        return runtime;
    }
}
