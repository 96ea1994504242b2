package io.vmflex.vmm.qemu;

import java.time.Instant;

/**
 * What the daemon must remember to find a running QEMU again after its own restart: the pid, and
 * the process start time (from {@code /proc/<pid>/stat}) that proves the pid was not reused; and
 * what this QEMU was started with and has been through ({@code cpuPlugs} against
 * {@code cpuPlugBudget}). Persisted as {@code runtime.json}.
 */
public record QemuRuntime(int pid, long startTime, String accel, Instant launchedAt, int bootCpus,
                          int possibleCpus, long baseMemoryBytes, long hotplugMemoryBytes, int cpuPlugBudget,
                          int cpuPlugs) {

    public QemuRuntime withCpuPlugs(int plugs) {
        return new QemuRuntime(pid, startTime, accel, launchedAt, bootCpus, possibleCpus, baseMemoryBytes,
                hotplugMemoryBytes, cpuPlugBudget, plugs);
    }

    public boolean cpuPlugBudgetLeft() {
        return cpuPlugs < cpuPlugBudget;
    }
}
