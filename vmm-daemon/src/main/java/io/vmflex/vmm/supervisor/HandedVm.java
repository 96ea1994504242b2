package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.qemu.VmPaths;

/**
 * A VM as its supervisor hands it to work that runs on the supervisor's thread instead of the
 * reconcile ({@link Departure}, {@link QemuWork}): the VM as last published, its spec in QEMU's
 * terms, its folder, what its QEMU has been through and QMP to it. Valid only during that work, on
 * that thread.
 */
public record HandedVm(String name, VirtualMachine vm, SpecView spec, VmPaths paths, QemuRuntime runtime, QmpOps ops) {
}
