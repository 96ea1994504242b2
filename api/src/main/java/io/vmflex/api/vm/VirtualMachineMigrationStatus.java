package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Where a {@code VirtualMachineMigration} is, as NeonVM reports it, plus vmflex's own progress record
 * of the move ({@code info}: the daemon's {@link MigrationStatus}). {@code null} means not known yet.
 *
 * @param phase   Pending, Running, Succeeded or Failed (NeonVM's phases)
 * @param message one line: why it failed, or where it is (the issue 18 contract)
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
        String message) {

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
