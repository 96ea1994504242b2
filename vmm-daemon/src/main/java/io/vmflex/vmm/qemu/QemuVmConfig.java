package io.vmflex.vmm.qemu;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything the QEMU command line of one VM depends on, already resolved from the spec and the
 * image store. Kept apart from the API model so the command line is a pure function of it.
 *
 * @param bootCpus          CPUs present at boot ({@code -smp cpus=}); the rest are hot-plugged
 * @param maxCpus           upper bound of hot-plugged CPUs ({@code -smp maxcpus=})
 * @param baseMemoryBytes   boot memory: {@code memorySlots.min × memorySlotSize}
 * @param hotplugMemoryBytes size of the virtio-mem region: {@code (max − min) × memorySlotSize};
 *                          0 means no virtio-mem device
 * @param virtioMemBlockBytes virtio-mem block size; every requested size is a multiple of it
 * @param initrd            may be null
 * @param disk              raw disk image attached as virtio-blk, may be null
 */
public record QemuVmConfig(
        String name,
        Path qemuBinary,
        Accel accel,
        int bootCpus,
        int maxCpus,
        long baseMemoryBytes,
        long hotplugMemoryBytes,
        long virtioMemBlockBytes,
        Path kernel,
        Path initrd,
        Path disk,
        String kernelCmdline,
        VmPaths paths) {

    public enum Accel {
        kvm, tcg;
    }

    public QemuVmConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kernel, "kernel");
        if (bootCpus < 1 || maxCpus < bootCpus) {
            throw new IllegalArgumentException("need 1 <= bootCpus <= maxCpus, got " + bootCpus + "/" + maxCpus);
        }
        if (hotplugMemoryBytes < 0 || (hotplugMemoryBytes > 0 && hotplugMemoryBytes % virtioMemBlockBytes != 0)) {
            throw new IllegalArgumentException("hot-plug memory " + hotplugMemoryBytes
                    + " is not a multiple of the virtio-mem block size " + virtioMemBlockBytes);
        }
    }
}
