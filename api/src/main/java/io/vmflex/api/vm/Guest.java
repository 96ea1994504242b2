package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.soabase.recordbuilder.core.RecordBuilder;

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
@RecordBuilder
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
        GuestSettings settings) implements GuestBuilder.With {

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

    /** @throws NullPointerException if {@code cpus} is absent */
    public Guest withCpusUse(MilliCpu use) {
        return withCpus(cpus.withUse(use));
    }

    /** @throws NullPointerException if {@code memorySlots} is absent */
    public Guest withMemorySlotsUse(int use) {
        return withMemorySlots(memorySlots.withUse(use));
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
