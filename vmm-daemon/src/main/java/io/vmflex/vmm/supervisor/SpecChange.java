package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.VirtualMachine;

/**
 * A change of a VM's spec or metadata, computed from the VM as it is at the moment the change is
 * made: {@link VmSupervisor#update} runs it on the VM's owner thread, so two changes of one VM see
 * each other and neither is lost. The supervisor stamps {@code metadata.resourceVersion} of what it
 * stores.
 *
 * <p>Runs on the supervisor's owner thread: must not block. It may refuse by throwing an
 * unchecked exception, which fails the update unchanged and stores nothing.
 */
@FunctionalInterface
public interface SpecChange {
    /**
     * @param current the VM as stored now (spec, metadata and the last published status)
     * @return the VM to store (its status is ignored), or {@code current} itself when nothing changes
     */
    VirtualMachine apply(VirtualMachine current);
}
