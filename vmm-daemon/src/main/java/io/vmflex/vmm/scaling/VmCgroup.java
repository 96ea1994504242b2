package io.vmflex.vmm.scaling;

import io.vmflex.sys.cgroup.CpuGroup;
import io.vmflex.sys.cgroup.CpuUsage;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.node.NodeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A VM's QEMU in its own CPU group ({@code <parent>/<vm>} in the node's cpu hierarchy: cgroup v2, or
 * the v1 cpu and cpuacct hierarchies where the cpu controller lives on v1), fractional CPU enforced
 * there (a CFS quota of use × period), and the kernel's count of the CPU time the VM used, which the
 * guest cannot forge. Best effort: a node without a cpu controller runs VMs anyway, with a warning
 * event, and the VM's CPU time is then read from QEMU's {@code /proc/<pid>/stat}.
 *
 * <p>Not threadsafe; owned by one supervisor.
 */
public final class VmCgroup {
    private static final Logger LOG = LoggerFactory.getLogger(VmCgroup.class);
    private static final long PERIOD_US = 100_000;
    /** /proc reports process times in USER_HZ, which Linux fixes at 100 for user space. */
    private static final long NANOS_PER_TICK = 10_000_000;

    private final NodeContext node;
    private final String vm;
    private CpuGroup group;
    private int pid;
    private long appliedCpuMillis = -1;

    public VmCgroup(NodeContext node, String vm) {
        this.node = node;
        this.vm = vm;
    }

    public void join(int pid) {
        this.pid = pid;
        if (node.cpu() == null) {
            return;
        }
        try {
            group = node.cpu().create(node.cgroupParent() + "/" + vm);
            group.movePid(pid);
            appliedCpuMillis = -1;
        } catch (IOException | RuntimeException e) {
            group = null;
            node.events().publish(VmEvent.warning(vm, "CgroupUnavailable",
                    "QEMU not moved to its own CPU group (" + node.cpu().kind() + "): " + e.getMessage()));
        }
    }

    /** Caps the VM at {@code useMillis} thousandths of a CPU (e.g. 250m, 1250m). */
    public void limitCpu(long useMillis) {
        if (group == null || appliedCpuMillis == useMillis) {
            return;
        }
        try {
            group.setCpuQuota(Math.max(1_000, useMillis * PERIOD_US / 1000), PERIOD_US);
        } catch (IOException | RuntimeException e) {
            LOG.warn("vm={} cannot set a CPU quota: {}", vm, e.toString());
        }
        appliedCpuMillis = useMillis;
    }

    /** The CPU time the VM has used so far, in nanoseconds, and how long its quota throttled it; null if unknown. */
    public CpuUsage usage() {
        if (group != null) {
            try {
                return group.usage();
            } catch (IOException | RuntimeException e) {
                LOG.debug("vm={} cgroup usage unreadable: {}", vm, e.toString());
            }
        }
        return pid > 0 ? processUsage(Path.of("/proc", Integer.toString(pid), "stat")) : null;
    }

    /** utime + stime of every thread of the process, from its {@code stat} file; null if unreadable. */
    static CpuUsage processUsage(Path stat) {
        try {
            String text = Files.readString(stat);
            // The command name may hold spaces and parentheses: fields start after the last ')'.
            String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return new CpuUsage(ticks * NANOS_PER_TICK, 0, 0);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public void remove() {
        if (group != null) {
            try {
                group.remove();
            } catch (IOException | RuntimeException e) {
                LOG.debug("vm={} cgroup not removed: {}", vm, e.toString());
            }
            group = null;
        }
        pid = 0;
    }
}
