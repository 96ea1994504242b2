package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * The observed state of a VM: NeonVM's {@code VirtualMachineStatus} fields plus vmflex's own
 * ({@code pid}, {@code accel}). Written from what QEMU and the guest report. Immutable.
 *
 * @param restartCount times the VM was restarted
 * @param cpus         vCPUs the guest has now
 * @param memorySize   memory the guest has now
 * @param memoryProvider deprecated NeonVM field, accepted and ignored
 * @param pid          vmflex: process id of the QEMU process, absent when not running
 * @param accel        vmflex: accelerator in use, "kvm" or "tcg"
 * @param guest        vmflex: what the guest monitor last reported, absent until it has
 * @param migration    vmflex: the running live migration away from this node, else the last one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VirtualMachineStatus(
        List<Condition> conditions,
        VmPhase phase,
        Integer restartCount,
        String podName,
        String podIP,
        String extraNetIP,
        String extraNetMask,
        String node,
        MilliCpu cpus,
        ByteQuantity memorySize,
        MemoryProvider memoryProvider,
        String sshSecretName,
        String tlsSecretName,
        RevisionWithTime currentRevision,
        Long pid,
        String accel,
        GuestStatus guest,
        MigrationStatus migration) {

    /** No observation yet. */
    public static final VirtualMachineStatus EMPTY = new VirtualMachineStatus(
            null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    public VirtualMachineStatus {
        conditions = Copies.list(conditions);
    }

    public static VirtualMachineStatus ofPhase(VmPhase phase) {
        return EMPTY.withPhase(phase);
    }

    public VirtualMachineStatus withConditions(List<Condition> v) {
        return new VirtualMachineStatus(v, phase, restartCount, podName, podIP, extraNetIP, extraNetMask, node,
                cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withPhase(VmPhase v) {
        return new VirtualMachineStatus(conditions, v, restartCount, podName, podIP, extraNetIP, extraNetMask, node,
                cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withRestartCount(Integer v) {
        return new VirtualMachineStatus(conditions, phase, v, podName, podIP, extraNetIP, extraNetMask, node,
                cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withPodName(String v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, v, podIP, extraNetIP, extraNetMask, node,
                cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withPodIP(String v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, v, extraNetIP, extraNetMask, node,
                cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withExtraNet(String ip, String mask) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, podIP, ip, mask, node,
                cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withNode(String v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, podIP, extraNetIP, extraNetMask, v,
                cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withCpus(MilliCpu v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, podIP, extraNetIP, extraNetMask,
                node, v, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withMemorySize(ByteQuantity v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, podIP, extraNetIP, extraNetMask,
                node, cpus, v, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withCurrentRevision(RevisionWithTime v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, podIP, extraNetIP, extraNetMask,
                node, cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, v, pid, accel, guest, migration);
    }

    public VirtualMachineStatus withPid(Long v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, podIP, extraNetIP, extraNetMask,
                node, cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, v, accel, guest, migration);
    }

    public VirtualMachineStatus withGuest(GuestStatus v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, podIP, extraNetIP, extraNetMask,
                node, cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, v, migration);
    }

    public VirtualMachineStatus withAccel(String v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, podIP, extraNetIP, extraNetMask,
                node, cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, v, guest, migration);
    }

    public VirtualMachineStatus withMigration(MigrationStatus v) {
        return new VirtualMachineStatus(conditions, phase, restartCount, podName, podIP, extraNetIP, extraNetMask,
                node, cpus, memorySize, memoryProvider, sshSecretName, tlsSecretName, currentRevision, pid, accel, guest, v);
    }
}
