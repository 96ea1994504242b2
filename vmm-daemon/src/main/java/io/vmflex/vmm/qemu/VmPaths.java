package io.vmflex.vmm.qemu;

import java.nio.file.Path;

/**
 * Where one VM's files live under the daemon's state dir. Unix socket paths must stay below
 * 108 bytes, which {@link #check()} enforces with a clear message instead of QEMU's.
 */
public record VmPaths(Path dir) {
    private static final int SUN_PATH_MAX = 107;

    public Path spec() { return dir.resolve("vm.json"); }
    public Path runtime() { return dir.resolve("runtime.json"); }
    public Path qmpSocket() { return dir.resolve("qmp.sock"); }
    public Path consoleSocket() { return dir.resolve("console.sock"); }
    public Path guestChannelSocket() { return dir.resolve("guest.sock"); }
    public Path consoleLog() { return dir.resolve("console.log"); }
    public Path pidFile() { return dir.resolve("qemu.pid"); }
    public Path qemuStderr() { return dir.resolve("qemu.stderr"); }
    /**
     * An incoming migration's copy that is not committed (its QEMU's runtime): while it exists the
     * folder is not a VM of this node, whatever else it holds, and a restarted daemon drops it.
     */
    public Path incomingMarker() { return dir.resolve("incoming.json"); }
    /**
     * Renamed from {@link #incomingMarker()} at an incoming migration's commit point and deleted once
     * QEMU runs the guest: a restarted daemon that finds it resumes the VM's paused QEMU.
     */
    public Path resumeMarker() { return dir.resolve("resume.json"); }
    /**
     * Written by an outgoing migration before QEMU streams and removed once its outcome is known: while
     * it exists the target may run the VM, so this node must not resume its paused copy.
     */
    public Path outgoingMarker() { return dir.resolve("outgoing.json"); }
    /** The VM's own copy-on-write layer over its image's (shared, never written) disk. */
    public Path rootOverlay() { return dir.resolve("root.qcow2"); }
    /** The VM's emptyDisk {@code name} (a DNS label), a raw file that lives and goes with the VM. */
    public Path dataDisk(String name) { return dir.resolve("disk-" + name + ".raw"); }
    /** The VM's swap disk (spec.guest.settings.swap), a sparse raw file the guest formats at boot. */
    public Path swapDisk() { return dir.resolve("swap.raw"); }
    /** The private half of the VM's SSH key pair (spec.enableSSH), OpenSSH format, mode 0600. */
    public Path sshPrivateKey() { return dir.resolve("ssh_key"); }
    /** Its public half, one authorized_keys line. */
    public Path sshPublicKey() { return dir.resolve("ssh_key.pub"); }

    public VmPaths check() {
        for (Path p : new Path[] {qmpSocket(), consoleSocket(), guestChannelSocket()}) {
            if (p.toAbsolutePath().toString().length() > SUN_PATH_MAX) {
                throw new IllegalArgumentException("socket path too long for a Unix socket (max "
                        + SUN_PATH_MAX + " bytes): " + p + "; use a shorter --state-dir");
            }
        }
        return this;
    }
}
