package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.soabase.recordbuilder.core.RecordBuilder;

import java.util.List;

/**
 * The observed state of a VM: NeonVM's {@code VirtualMachineStatus} fields plus vmflex's own
 * ({@code pid}, {@code accel}). Written from what QEMU and the guest report. Immutable; a copy with
 * other values comes from the generated withers ({@code withPhase(...)}, one per field, from
 * {@link VirtualMachineStatusBuilder.With}) or, for several fields at once, {@code with(b -> ...)}.
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
@RecordBuilder
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
        MigrationStatus migration) implements VirtualMachineStatusBuilder.With {

    /** No observation yet. */
    public static final VirtualMachineStatus EMPTY = new VirtualMachineStatus(
            null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    public VirtualMachineStatus {
        conditions = Copies.list(conditions);
    }

    public static VirtualMachineStatus ofPhase(VmPhase phase) {
        return EMPTY.withPhase(phase);
    }

    /** Both halves of the extra network's address at once. */
    public VirtualMachineStatus withExtraNet(String ip, String mask) {
        return with(b -> b.extraNetIP(ip).extraNetMask(mask));
    }

}
