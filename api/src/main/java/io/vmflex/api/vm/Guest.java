package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * What runs inside the VM and its resource bounds, as NeonVM's {@code spec.guest}. Every field is
 * optional on the wire except that vmflex's validator requires {@code cpus}, {@code memorySlots}
 * and {@code rootDisk} (a VM without them cannot boot). Immutable.
 *
 * @param kernelImage           optional kernel image override
 * @param memhpAutoMovableRatio optional MOVABLE:KERNEL memory ratio in percent (kernel cmdline)
 * @param appendKernelCmdline   optional text appended to the kernel command line
 * @param cpus                  vCPU bounds and target
 * @param memorySlotSize        size of one memory slot; NeonVM defaults it to 1Gi; a multiple of 8Mi
 * @param memorySlots           memory bounds and target, in slots
 * @param memoryProvider        deprecated, ignored (always virtio-mem)
 * @param rootDisk              the root disk
 * @param command               entrypoint replacement
 * @param args                  entrypoint arguments
 * @param env                   environment of the start process
 * @param ports                 ports to expose
 * @param settings              sysctl lines and swap
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Guest(
        String kernelImage,
        String memhpAutoMovableRatio,
        String appendKernelCmdline,
        CpuRange cpus,
        ByteQuantity memorySlotSize,
        MemorySlots memorySlots,
        MemoryProvider memoryProvider,
        RootDisk rootDisk,
        List<String> command,
        List<String> args,
        List<EnvVar> env,
        List<Port> ports,
        GuestSettings settings) {

    public Guest {
        command = Copies.list(command);
        args = Copies.list(args);
        env = Copies.list(env);
        ports = Copies.list(ports);
    }

    /** The usual minimum: bounds, slot size and a root disk; everything else absent. */
    public static Guest of(CpuRange cpus, ByteQuantity memorySlotSize, MemorySlots memorySlots, RootDisk rootDisk) {
        return new Guest(null, null, null, cpus, memorySlotSize, memorySlots, null, rootDisk,
                null, null, null, null, null);
    }

    public Guest withCpus(CpuRange newCpus) {
        return new Guest(kernelImage, memhpAutoMovableRatio, appendKernelCmdline, newCpus, memorySlotSize,
                memorySlots, memoryProvider, rootDisk, command, args, env, ports, settings);
    }

    /** @throws NullPointerException if {@code cpus} is absent */
    public Guest withCpusUse(MilliCpu use) {
        return withCpus(cpus.withUse(use));
    }

    public Guest withMemorySlots(MemorySlots newSlots) {
        return new Guest(kernelImage, memhpAutoMovableRatio, appendKernelCmdline, cpus, memorySlotSize,
                newSlots, memoryProvider, rootDisk, command, args, env, ports, settings);
    }

    /** @throws NullPointerException if {@code memorySlots} is absent */
    public Guest withMemorySlotsUse(int use) {
        return withMemorySlots(memorySlots.withUse(use));
    }

    public Guest withMemorySlotSize(ByteQuantity newSize) {
        return new Guest(kernelImage, memhpAutoMovableRatio, appendKernelCmdline, cpus, newSize,
                memorySlots, memoryProvider, rootDisk, command, args, env, ports, settings);
    }

    public Guest withRootDisk(RootDisk newRootDisk) {
        return new Guest(kernelImage, memhpAutoMovableRatio, appendKernelCmdline, cpus, memorySlotSize,
                memorySlots, memoryProvider, newRootDisk, command, args, env, ports, settings);
    }

    public Guest withEnv(List<EnvVar> newEnv) {
        return new Guest(kernelImage, memhpAutoMovableRatio, appendKernelCmdline, cpus, memorySlotSize,
                memorySlots, memoryProvider, rootDisk, command, args, newEnv, ports, settings);
    }

    public Guest withPorts(List<Port> newPorts) {
        return new Guest(kernelImage, memhpAutoMovableRatio, appendKernelCmdline, cpus, memorySlotSize,
                memorySlots, memoryProvider, rootDisk, command, args, env, newPorts, settings);
    }

    /**
     * Memory for a number of slots: {@code slots × memorySlotSize}.
     *
     * @throws NullPointerException if {@code memorySlotSize} is absent (apply VmDefaults first)
     */
    public ByteQuantity memoryFor(int slots) {
        return memorySlotSize.times(slots);
    }
}
