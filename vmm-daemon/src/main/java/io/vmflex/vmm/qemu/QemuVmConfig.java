package io.vmflex.vmm.qemu;

import java.nio.file.Path;
import java.util.List;
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
 * @param nicArgs           QEMU arguments of the VM's NIC (netdev + device), empty for none
 * @param dataDisks         the VM's emptyDisk drives (and its tmpfs mounts, which are the guest's)
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
        List<String> nicArgs,
        VmPaths paths,
        DataDisks dataDisks) {

    /** A VM without data disks. */
    public QemuVmConfig(String name, Path qemuBinary, Accel accel, int bootCpus, int maxCpus, long baseMemoryBytes,
            long hotplugMemoryBytes, long virtioMemBlockBytes, Path kernel, Path initrd, Path disk, String kernelCmdline,
            List<String> nicArgs, VmPaths paths) {
        this(name, qemuBinary, accel, bootCpus, maxCpus, baseMemoryBytes, hotplugMemoryBytes, virtioMemBlockBytes,
                kernel, initrd, disk, kernelCmdline, nicArgs, paths, DataDisks.NONE);
    }

    public enum Accel {
        kvm, tcg;
    }

    /**
     * Under TCG every vCPU thread QEMU ever starts takes one of {@code maxcpus} translation
     * contexts and an unplug does not give it back: after {@code maxcpus - bootCpus} plugs the next
     * one aborts QEMU ({@code tcg_register_thread: assertion failed: (n < tcg_max_ctxs)}, QEMU
     * 10.0). So under TCG QEMU is told of more possible CPUs than the spec's max, which buys that
     * many plugs; the daemon still never plugs more than the spec allows at once.
     */
    public static final int TCG_POSSIBLE_CPUS = 32;

    /** {@code -smp maxcpus=}: the spec's max, raised under TCG to buy plugs (see above). */
    public int possibleCpus() {
        return accel == Accel.tcg ? Math.max(maxCpus, TCG_POSSIBLE_CPUS) : maxCpus;
    }

    /** How many vCPU plugs this QEMU survives; unbounded (MAX_VALUE) under KVM. */
    public int cpuPlugBudget() {
        return accel == Accel.tcg ? possibleCpus() - bootCpus : Integer.MAX_VALUE;
    }

    public QemuVmConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kernel, "kernel");
        nicArgs = nicArgs == null ? List.of() : List.copyOf(nicArgs);
        dataDisks = dataDisks == null ? DataDisks.NONE : dataDisks;
        if (bootCpus < 1 || maxCpus < bootCpus) {
            throw new IllegalArgumentException("need 1 <= bootCpus <= maxCpus, got " + bootCpus + "/" + maxCpus);
        }
        if (hotplugMemoryBytes < 0 || (hotplugMemoryBytes > 0 && hotplugMemoryBytes % virtioMemBlockBytes != 0)) {
            throw new IllegalArgumentException("hot-plug memory " + hotplugMemoryBytes
                    + " is not a multiple of the virtio-mem block size " + virtioMemBlockBytes);
        }
    }
}
