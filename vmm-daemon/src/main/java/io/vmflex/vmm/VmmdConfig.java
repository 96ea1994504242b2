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
 */
public record VmmdConfig(Path stateDir, Path socket, String nodeName, Path imageDir, Path qemuBinary,
                         String adminGroup, String socketMode, Path devKvm, Path cgroupRoot, String cgroupParent,
                         String accel, long consoleMaxBytes, long virtioMemBlockBytes) {

    public static final Path DEFAULT_SOCKET = Path.of("/run/vmflex/vmmd.sock");
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/vmflex");

    public static VmmdConfig defaults(String nodeName) {
        return new VmmdConfig(DEFAULT_STATE_DIR, DEFAULT_SOCKET, nodeName, DEFAULT_STATE_DIR.resolve("images"),
                Path.of("/usr/bin/qemu-system-x86_64"), null, "rw-rw----", Path.of("/dev/kvm"), null, "vmflex",
                "auto", 1L << 20, 2L << 20);
    }
}
