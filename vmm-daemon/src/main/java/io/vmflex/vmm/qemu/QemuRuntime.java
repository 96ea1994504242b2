package io.vmflex.vmm.qemu;

import java.time.Instant;

/**
 * What the daemon must remember to find a running QEMU again after its own restart: the pid, and
 * the process start time (from {@code /proc/<pid>/stat}) that proves the pid was not reused.
 * Persisted as {@code runtime.json}.
 */
public record QemuRuntime(int pid, long startTime, String accel, Instant launchedAt, int maxCpus,
                          long baseMemoryBytes, long hotplugMemoryBytes) {
}
