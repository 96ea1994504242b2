package io.vmflex.vmm.node;

import io.vmflex.netbridge.VmNetwork;
import io.vmflex.sys.cgroup.CpuHierarchy;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.qemu.QemuLauncher;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.QmpConnector;

import java.nio.file.Path;
import java.time.Clock;

/**
 * What every supervisor on this node shares: the node's identity and its chosen accelerator, and
 * the services a supervisor calls. Immutable.
 *
 * @param cpu          the node's cpu controller (cgroup v2, or the v1 cpu and cpuacct hierarchies), where
 *                     each VM gets a group with its CPU quota; null when there is none
 * @param cgroupParent the folder under the cgroup root that holds the VMs' groups
 * @param network      where VMs get their NIC (tap on the node bridge, address from the pool), or
 *                     null for VMs without a network
 * @param cpuUnplugSafe false where unplugging a vCPU is known to crash QEMU (TCG on QEMU before 8.0);
 *                      the supervisor then keeps surplus vCPUs plugged and says so
 * @param migrateAfterCpuUnplugSafe false where a QEMU that had a vCPU unplugged cannot be migrated
 *                      (TCG on QEMU before 10.2); such a migration is refused before it starts
 */
public record NodeContext(String nodeName, Path qemuBinary, QemuVmConfig.Accel accel, ImageStore images,
                          QemuLauncher launcher, QmpConnector qmp, EventBus events, CpuHierarchy cpu,
                          String cgroupParent, boolean cpuUnplugSafe, boolean migrateAfterCpuUnplugSafe, long consoleMaxBytes,
                          long virtioMemBlockBytes, VmNetwork network, Clock clock) {
}
