package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Where a {@code VirtualMachineMigration} is, as NeonVM reports it, plus vmflex's own progress record
 * of the move ({@code info}: the daemon's {@link MigrationStatus}). {@code null} means not known yet.
 *
 * @param phase               Pending, Running, Succeeded or Failed (NeonVM's phases)
 * @param message             vmflex: one line on where it is, or why it failed
 * @param totalTimeMs         vmflex: QEMU's total migration time
 * @param downtimeMs          vmflex: the guest's pause as its clients see it (stopped on the source until
 *                            running on the target)
 * @param ramTransferredBytes vmflex: RAM bytes QEMU sent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VirtualMachineMigrationStatus(
        List<Condition> conditions,
        VmmPhase phase,
        String sourceNode,
        String targetNode,
        String sourcePodName,
        String targetPodName,
        String sourcePodIP,
        String targetPodIP,
        MigrationStatus info,
        String message,
        Long totalTimeMs,
        Long downtimeMs,
        Long ramTransferredBytes) {

    public VirtualMachineMigrationStatus {
        conditions = Copies.list(conditions);
    }

    /** NeonVM's VirtualMachineMigration phases. */
    public enum VmmPhase {
        Pending,
        Running,
        Succeeded,
        Failed
    }
}
