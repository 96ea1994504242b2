package io.vmflex.kube.placement;

import io.vmflex.api.vm.Condition;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.scheduler.core.Amount;

import java.time.Instant;

/**
 * What placement needs of one VirtualMachine, read from its object. Immutable.
 *
 * @param boundNode     the {@code vmflex.io/node} label: the node the VM is bound to, null while pending
 * @param schedulerName {@code spec.schedulerName}, null when absent
 * @param deleting      a deletion timestamp is set (it still holds its node until it is gone)
 * @param finished      phase Succeeded or Failed: it will not run again and holds nothing
 * @param min           {@code guest.cpus.min} and {@code memorySlots.min × memorySlotSize}
 * @param use           what the VM holds: pending, what it boots with ({@code use} of the spec); bound,
 *                      the larger of the spec's {@code use} and the status's {@code cpus}/{@code memorySize},
 *                      so a resize under way in either direction is counted at its larger end
 * @param max           {@code guest.cpus.max} and {@code memorySlots.max × memorySlotSize}
 * @param problem       why the spec cannot be placed (sizes or requirements unreadable), else null;
 *                      then {@code min}, {@code use} and {@code max} are zero
 * @param scheduled     the VM's current {@code Scheduled} condition, null if none
 * @param phase         {@code status.phase}, null if none
 */
public record VmInfo(String namespace, String name, String uid, String resourceVersion, Instant createdAt,
                     String boundNode, String schedulerName, boolean deleting, boolean finished,
                     Amount min, Amount use, Amount max, NodeRequirements requirements, String problem,
                     Condition scheduled, VmPhase phase) {

    /** {@code namespace/name}: unique in the cluster, the scheduler's key for the VM. */
    public String key() {
        return namespace + "/" + name;
    }

    /** A copy bound to {@code node} (a binding this scheduler made that its cache has not seen yet). */
    public VmInfo boundTo(String node) {
        return new VmInfo(namespace, name, uid, resourceVersion, createdAt, node, schedulerName, deleting, finished,
                min, use, max, requirements, problem, scheduled, phase);
    }
}
