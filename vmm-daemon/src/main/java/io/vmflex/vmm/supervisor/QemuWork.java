package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.MigrationStatus;

import java.util.function.Consumer;

/**
 * Work on a VM's QEMU that must not race the reconcile, run on the supervisor's thread
 * ({@link VmSupervisor#withQemu}): settling a migration a previous daemon left unfinished.
 * Runs on the supervisor's thread; the {@link HandedVm} must not leave it.
 */
@FunctionalInterface
public interface QemuWork {
    /**
     * @param vm                the VM with QMP to its running QEMU, or null when no QEMU runs here
     * @param onMigrationStatus sets {@code status.migration} (and persists it when its phase changed)
     */
    void run(HandedVm vm, Consumer<MigrationStatus> onMigrationStatus) throws Exception;
}
