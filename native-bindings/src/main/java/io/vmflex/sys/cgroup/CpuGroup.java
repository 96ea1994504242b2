package io.vmflex.sys.cgroup;

import java.io.IOException;
import java.util.List;

/**
 * One process group whose CPU time is capped by a CFS quota and accounted by the kernel, whatever
 * the host's cgroup layout: a cgroup v2 directory ({@code cpu.max}) or, where the cpu controller
 * lives on cgroup v1, the group's directories in the cpu and cpuacct hierarchies
 * ({@code cpu.cfs_quota_us}, {@code cpuacct.usage}). Obtained from {@link CpuHierarchy#create}.
 *
 * <p>Thread-safe: holds only paths; the kernel orders concurrent writes.
 */
public sealed interface CpuGroup permits CpuHierarchy.V2Group, CpuHierarchy.V1Group {

    /** The group's directories (one for v2; the cpu and, if separate, cpuacct ones for v1). */
    List<java.nio.file.Path> paths();

    /** Moves process {@code pid} (all its threads) into the group. */
    void movePid(int pid) throws IOException;

    /**
     * Caps the group at {@code quotaUs} of CPU time per {@code periodUs}.
     *
     * @param quotaUs  microseconds per period, at least 1000, or -1 for no limit
     * @param periodUs 1000 to 1000000
     */
    void setCpuQuota(long quotaUs, long periodUs) throws IOException;

    /** The quota in force, in microseconds per period, or -1 for none. */
    long cpuQuotaUs() throws IOException;

    /** The kernel's CPU accounting for the group. */
    CpuUsage usage() throws IOException;

    /** Removes the group's directories; nothing if they do not exist. Fails while processes remain. */
    void remove() throws IOException;
}
