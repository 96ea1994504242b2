package io.vmflex.vmm.scaling;

import io.vmflex.sys.cgroup.Cgroup;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.node.NodeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * A VM's QEMU in its own cgroup ({@code <root>/<parent>/<vm>}), and fractional CPU enforced there:
 * {@code cpu.max} quota = use × period, where the cgroup has the cpu controller. Best effort: a node
 * without a usable cgroup v2 runs VMs anyway, with a warning event.
 *
 * <p>Not threadsafe; owned by one supervisor.
 */
public final class VmCgroup {
    private static final Logger LOG = LoggerFactory.getLogger(VmCgroup.class);
    private static final long PERIOD_US = 100_000;

    private final NodeContext node;
    private final String vm;
    private Cgroup cgroup;
    private long appliedCpuMillis = -1;

    public VmCgroup(NodeContext node, String vm) {
        this.node = node;
        this.vm = vm;
    }

    public void join(int pid) {
        if (node.cgroups() == null) {
            return;
        }
        try {
            cgroup = node.cgroups().create(node.cgroupParent() + "/" + vm);
            cgroup.movePid(pid);
            appliedCpuMillis = -1;
        } catch (IOException | RuntimeException e) {
            cgroup = null;
            node.events().publish(VmEvent.warning(vm, "CgroupUnavailable", "QEMU not moved to its own cgroup: " + e.getMessage()));
        }
    }

    void limitCpu(long useMillis) {
        if (cgroup == null || !node.cpuControllerAvailable() || appliedCpuMillis == useMillis) {
            return;
        }
        try {
            cgroup.setCpuMax(useMillis * PERIOD_US / 1000, PERIOD_US);
        } catch (IOException | RuntimeException e) {
            LOG.warn("vm={} cannot set cpu.max: {}", vm, e.toString());
        }
        appliedCpuMillis = useMillis;
    }

    public void remove() {
        if (cgroup != null) {
            try {
                cgroup.remove();
            } catch (IOException | RuntimeException e) {
                LOG.debug("vm={} cgroup not removed: {}", vm, e.toString());
            }
            cgroup = null;
        }
    }
}
