package io.vmflex.vmm.qemu;

import java.time.Instant;

/**
 * What the daemon must remember to find a running QEMU again after its own restart: the pid, and
 * the process start time (from {@code /proc/<pid>/stat}) that proves the pid was not reused; and
 * what this QEMU was started with and has been through ({@code cpuPlugs} against
 * {@code cpuPlugBudget}; {@code cpuUnplugs}, the vCPU unplugs asked of it, because under TCG an
 * old QEMU cannot migrate after one). Persisted as {@code runtime.json}; a file written before
 * {@code cpuUnplugs} existed reads as 0.
 */
public record QemuRuntime(int pid, long startTime, String accel, Instant launchedAt, int bootCpus,
                          int possibleCpus, long baseMemoryBytes, long hotplugMemoryBytes, int cpuPlugBudget,
                          int cpuPlugs, Integer cpuUnplugs) {

    public QemuRuntime {
        // A boxed count so that runtime.json from a daemon before it (a VM running across the
        // upgrade) reads as none instead of failing, which would leave the VM unrecovered.
        cpuUnplugs = cpuUnplugs == null ? 0 : cpuUnplugs;
    }

    public QemuRuntime withCpuPlugs(int plugs) {
        return new QemuRuntime(pid, startTime, accel, launchedAt, bootCpus, possibleCpus, baseMemoryBytes,
                hotplugMemoryBytes, cpuPlugBudget, plugs, cpuUnplugs);
    }

    public QemuRuntime withCpuUnplugs(int unplugs) {
        return new QemuRuntime(pid, startTime, accel, launchedAt, bootCpus, possibleCpus, baseMemoryBytes,
                hotplugMemoryBytes, cpuPlugBudget, cpuPlugs, unplugs);
    }

    public boolean cpuPlugBudgetLeft() {
        return cpuPlugs < cpuPlugBudget;
    }
}
