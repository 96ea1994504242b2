package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.Condition;
import io.vmflex.api.vm.GuestStatus;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.RevisionWithTime;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.netbridge.VmNic;
import io.vmflex.vmm.guest.ChannelState;
import io.vmflex.vmm.guest.ReceivedMetrics;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.scaling.Observation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns an {@link Observation} into the VM's {@code status}. A pure function; the Ready
 * condition's transition time moves only when its truth value changes, so an unchanged
 * observation yields an equal status and nothing is written.
 */
final class StatusMapper {
    private StatusMapper() {
    }

    /**
     * Adds the guest's own view (channel state + last metrics) to status, or removes it when
     * {@code state} is null (no QEMU running, or for what is written to disk).
     */
    static VirtualMachine withGuest(VirtualMachine vm, ChannelState state, ReceivedMetrics last) {
        VirtualMachineStatus s = vm.status() == null ? VirtualMachineStatus.EMPTY : vm.status();
        GuestStatus g = null;
        if (state != null) {
            String channel = state.getClass().getSimpleName();
            if (last == null) {
                g = new GuestStatus(channel, null, null, null, null, null, null, null);
            } else {
                var m = last.metrics();
                g = new GuestStatus(channel, m.cpusOnline(), ByteQuantity.ofBytes(m.memTotalBytes()),
                        ByteQuantity.ofBytes(Math.max(0, m.memTotalBytes() - m.memAvailableBytes())), m.loadAvg1(),
                        m.psiMemorySome10(), m.psiCpuSome10(), last.receivedAt());
            }
        }
        if (Objects.equals(g, s.guest())) {
            return vm;
        }
        return vm.withStatus(s.withGuest(g));
    }

    /**
     * NeonVM's {@code status.currentRevision}: the spec's {@code targetRevision}, stamped with the time the
     * guest had what that spec asks for (QEMU reports its vCPUs and memory), so that whoever set the target
     * can measure how long a resize took. Unchanged until then.
     */
    static RevisionWithTime currentRevision(VirtualMachine vm, Observation o, RevisionWithTime current, Instant now) {
        RevisionWithTime target = vm.spec().targetRevision();
        if (target == null || o.phase() != VmPhase.Running || o.pid() <= 0) {
            return current;
        }
        SpecView spec = SpecView.of(vm);
        boolean hasSpec = o.cpuMillis() == spec.cpuUseMillis()
                && o.memoryBytes() == spec.baseMemoryBytes() + spec.desiredPluggedBytes();
        if (!hasSpec || (current != null && Objects.equals(current.revision(), target.revision()))) {
            return current;
        }
        return new RevisionWithTime(target.revision(), now);
    }

    /**
     * @param nic    the VM's NIC, or null when it has none
     * @param health what the guest's console showed of its kernel's troubles
     */
    static VirtualMachine withObservation(VirtualMachine vm, Observation o, String node, Instant now, VmNic nic,
                                          GuestHealth health) {
        VirtualMachineStatus old = vm.status() == null ? VirtualMachineStatus.EMPTY : vm.status();
        boolean running = o.pid() > 0;
        // A migrating guest runs and serves until the switch-over.
        boolean ready = o.phase() == VmPhase.Running || o.phase() == VmPhase.PreMigrating || o.phase() == VmPhase.Migrating;
        Condition previous = old.conditions() == null ? null
                : old.conditions().stream().filter(c -> "Ready".equals(c.type())).findFirst().orElse(null);
        String readyStatus = ready ? "True" : "False";
        Instant since = previous != null && readyStatus.equals(previous.status()) ? previous.lastTransitionTime() : now;
        // "guest shut down" says little when the kernel said why on its console.
        String why = !ready && health.stopReason() != null ? health.stopReason() + "; " + o.message() : o.message();
        Condition readyCond = new Condition("Ready", readyStatus,
                vm.metadata() == null ? null : vm.metadata().generation(), since, o.reason(), why);
        List<Condition> conditions = new ArrayList<>();
        conditions.add(readyCond);
        conditions.addAll(health.conditions());
        VirtualMachineStatus s = old
                .withPhase(o.phase())
                .withNode(node)
                .withRestartCount(o.restartCount())
                .withCpus(running ? new MilliCpu(o.cpuMillis()) : null)
                .withMemorySize(running && o.memoryBytes() > 0 ? ByteQuantity.ofBytes(o.memoryBytes()) : null)
                .withPid(running ? (long) o.pid() : null)
                .withAccel(o.accel())
                .withConditions(List.copyOf(conditions))
                .withExtraNet(nic == null ? null : nic.ip().getHostAddress(), nic == null ? null : nic.netmask())
                .withCurrentRevision(currentRevision(vm, o, old.currentRevision(), now));
        return Objects.equals(s, old) ? vm : vm.withStatus(s);
    }
}
