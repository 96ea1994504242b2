package io.vmflex.vmm.supervisor;

import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.VmPaths;

import java.util.function.Supplier;

/**
 * Runs once for every VM a supervisor takes over from the state dir or from an arriving migration,
 * on its thread, after its QEMU was re-adopted and before the first reconcile step: a VM whose
 * migration here committed while no daemon ran it is resumed there
 * ({@code io.vmflex.vmm.migration.incoming.InterruptedArrival}).
 */
@FunctionalInterface
public interface RecoveryHook {
    RecoveryHook NONE = (vm, paths, qemu) -> { };

    /**
     * @param qemu connects QMP on demand; gives null when no QEMU runs or QMP cannot be reached
     */
    void recovered(String vm, VmPaths paths, Supplier<QmpOps> qemu);
}
