package io.vmflex.vmm.scaling;

import io.vmflex.vmm.qemu.CpuSlot;

/** One idempotent QMP step that moves a running VM toward its spec. */
sealed interface ScaleStep {
    /** {@code device_add} a vCPU into an empty slot. */
    record AddCpu(CpuSlot slot) implements ScaleStep {
    }

    /** {@code device_del} a hot-plugged vCPU; the guest ejects it through ACPI. */
    record RemoveCpu(String deviceId) implements ScaleStep {
    }

    /** {@code qom-set} the virtio-mem device's {@code requested-size}. */
    record SetMemory(long requestedBytes) implements ScaleStep {
    }
}
