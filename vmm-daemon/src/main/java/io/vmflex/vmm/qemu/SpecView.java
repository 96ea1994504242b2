package io.vmflex.vmm.qemu;

import io.vmflex.api.vm.CpuScalingMode;
import io.vmflex.api.vm.RestartPolicy;
import io.vmflex.api.vm.VirtualMachine;

import java.time.Duration;

/**
 * A VirtualMachine spec in QEMU's terms, the numbers the daemon needs, derived once: whole vCPUs (QEMU
 * plugs whole CPUs; a fractional {@code use} is enforced by cgroup {@code cpu.max}) and memory in
 * bytes.
 *
 * @param sysfsCpus {@code cpuScalingMode: SysfsScaling}: every vCPU up to max is plugged at boot
 *                  ({@code bootCpus = maxCpus}) and the guest onlines {@code desiredCpus} of them
 */
public record SpecView(String name, int bootCpus, int maxCpus, int desiredCpus, long cpuUseMillis,
                       long slotBytes, int slotsMin, int slotsUse, int slotsMax, String image,
                       String kernelImage, String appendCmdline, RestartPolicy restartPolicy, boolean sysfsCpus) {

    /** A QmpScaling VM. */
    public SpecView(String name, int bootCpus, int maxCpus, int desiredCpus, long cpuUseMillis, long slotBytes,
                    int slotsMin, int slotsUse, int slotsMax, String image, String kernelImage, String appendCmdline,
                    RestartPolicy restartPolicy) {
        this(name, bootCpus, maxCpus, desiredCpus, cpuUseMillis, slotBytes, slotsMin, slotsUse, slotsMax, image,
                kernelImage, appendCmdline, restartPolicy, false);
    }

    public long baseMemoryBytes() {
        return slotsMin * slotBytes;
    }

    public long hotplugMemoryBytes() {
        return (long) (slotsMax - slotsMin) * slotBytes;
    }

    public long desiredPluggedBytes() {
        return (long) (slotsUse - slotsMin) * slotBytes;
    }

    /** NeonVM's default of {@code spec.terminationGracePeriodSeconds}. */
    public static final Duration DEFAULT_TERMINATION_GRACE = Duration.ofSeconds(5);

    /** How long a guest may take to power off when the VM is deleted ({@code spec.terminationGracePeriodSeconds}). */
    public static Duration terminationGrace(VirtualMachine vm) {
        Long seconds = vm.spec().terminationGracePeriodSeconds();
        return seconds == null ? DEFAULT_TERMINATION_GRACE : Duration.ofSeconds(seconds);
    }

    public static SpecView of(VirtualMachine vm) {
        var g = vm.spec().guest();
        var cpus = g.cpus();
        var slots = g.memorySlots();
        RestartPolicy policy = vm.spec().restartPolicy() == null ? RestartPolicy.Always : vm.spec().restartPolicy();
        boolean sysfs = vm.spec().cpuScalingMode() == CpuScalingMode.SysfsScaling;
        int max = (int) cpus.max().ceilCpus();
        return new SpecView(vm.metadata().name(),
                sysfs ? max : (int) cpus.min().ceilCpus(), max, (int) cpus.use().ceilCpus(), cpus.use().millis(),
                g.memorySlotSize().bytes(), slots.min(), slots.use(), slots.max(),
                g.rootDisk() == null ? null : g.rootDisk().image(),
                g.kernelImage(), g.appendKernelCmdline(), policy, sysfs);
    }
}
