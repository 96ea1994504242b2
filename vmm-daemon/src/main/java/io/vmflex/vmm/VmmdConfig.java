package io.vmflex.vmm;

import java.nio.file.Path;

/**
 * How a vmmd runs: where its state, socket and images are, who may call it, how QEMU is run.
 *
 * @param adminGroup      group (name) whose members may use the admin socket besides root; null: root only
 * @param socketMode      permissions of the socket file, {@code rw-rw----} by default
 * @param cgroupRoot      cgroup v2 mount to use, null to detect it
 * @param cgroupParent    folder under the cgroup root for the VMs' groups
 * @param accel           {@code auto}, {@code kvm} or {@code tcg}
 * @param virtioMemBlockBytes virtio-mem block size; memory slot sizes must be multiples of it
 * @param network         the node bridge VMs get their NIC on, or null for VMs without a network
 */
public record VmmdConfig(Path stateDir, Path socket, String nodeName, Path imageDir, Path qemuBinary,
                         String adminGroup, String socketMode, Path devKvm, Path cgroupRoot, String cgroupParent,
                         String accel, long consoleMaxBytes, long virtioMemBlockBytes, Network network) {

    /**
     * @param bridge    node bridge name
     * @param cidr      VM address pool; the first host address is the bridge's (the VMs' gateway)
     * @param tapPrefix VM taps are named prefix + 8 hex digits; a daemon removes such taps it has no VM for
     * @param ipRange   {@code FIRST-LAST}: the addresses of {@code cidr} this node gives new VMs (disjoint
     *                  per node on a shared overlay); null: all of them
     */
    public record Network(String bridge, String cidr, String tapPrefix, String ipRange) {
        public static final Network DEFAULT = new Network("vmfxbr0", "10.77.0.0/24", "vmfx");

        public Network(String bridge, String cidr, String tapPrefix) {
            this(bridge, cidr, tapPrefix, null);
        }
    }

    public VmmdConfig withNetwork(Network n) {
        return new VmmdConfig(stateDir, socket, nodeName, imageDir, qemuBinary, adminGroup, socketMode, devKvm, cgroupRoot,
                cgroupParent, accel, consoleMaxBytes, virtioMemBlockBytes, n);
    }

    public static final Path DEFAULT_SOCKET = Path.of("/run/vmflex/vmmd.sock");
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/vmflex");

    public static VmmdConfig defaults(String nodeName) {
        return new VmmdConfig(DEFAULT_STATE_DIR, DEFAULT_SOCKET, nodeName, DEFAULT_STATE_DIR.resolve("images"),
                Path.of("/usr/bin/qemu-system-x86_64"), null, "rw-rw----", Path.of("/dev/kvm"), null, "vmflex",
                "auto", 1L << 20, 2L << 20, Network.DEFAULT);
    }
}
