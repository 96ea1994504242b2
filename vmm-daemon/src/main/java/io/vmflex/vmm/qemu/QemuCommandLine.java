package io.vmflex.vmm.qemu;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the QEMU argument vector of a VM: q35, no default devices, CPUs hot-pluggable up to
 * {@code maxCpus}, boot memory plus one virtio-mem device for the rest, serial console and QMP on
 * per-VM Unix sockets (never TCP), a virtio-serial port reserved for the guest monitor, and
 * {@code -daemonize} so QEMU runs in its own session and outlives the daemon.
 *
 * <p>A pure function of {@link QemuVmConfig}; stateless and thread-safe.
 */
public final class QemuCommandLine {
    /** The virtio-serial port name the guest monitor opens as {@code /dev/virtio-ports/vmflex.monitor}. */
    public static final String MONITOR_PORT_NAME = "vmflex.monitor";
    /** QOM id of the virtio-mem device; its path is {@code /machine/peripheral/vmem0}. */
    public static final String VIRTIO_MEM_ID = "vmem0";
    /**
     * What a TCG VM with hot-pluggable memory gets less boot memory than its spec says: one step of
     * QEMU's RAM size alignment (8 KiB), so that the boot RAM block is not a whole number of 256 KiB.
     *
     * <p>Why: after each dirty-bitmap sync of a live migration, TCG must re-arm write tracking in
     * the vCPUs' TLBs for the pages it just found dirty. On the path QEMU (9.0 and later, seen with
     * 10.0.2) takes for a block whose length is a multiple of 64 pages it re-arms the block's range
     * at its offset <em>within the block</em> instead of its RAM address. Only the block at RAM
     * address 0 comes out right: here that is the virtio-mem backend, which is created first. Boot
     * memory follows it, so its TLB entries were never re-armed, and a page the guest wrote through
     * an entry older than a sync was not sent again: the guest resumed on the target with stale
     * pages (kernel "Bad page state" and list corruption, seen in MigrationIT), or QEMU aborted the
     * source when boot memory outgrew the virtio-mem region (an assertion in
     * {@code tlb_reset_dirty_range_all}). A block of any other length is synced page by page with
     * RAM addresses, which is correct (and costs a little more CPU per sync). KVM tracks dirty
     * pages in the kernel and takes neither path, so it keeps the exact size.
     */
    public static final long TCG_BOOT_MEMORY_TRIM_BYTES = 8192;

    private QemuCommandLine() {
    }

    public static List<String> build(QemuVmConfig c) {
        return build(c, null);
    }

    /**
     * The target of a live migration: the same machine plus the source's hot-plugged vCPUs as
     * {@code -device}s and its virtio-mem {@code requested-size}, paused ({@code -S}) and waiting for
     * {@code migrate-incoming} ({@code -incoming defer}).
     *
     * @param incoming null for an ordinary start
     */
    public static List<String> build(QemuVmConfig c, Incoming incoming) {
        VmPaths p = c.paths();
        List<String> a = new ArrayList<>();
        a.add(c.qemuBinary().toString());
        a.addAll(List.of("-name", "vmflex-" + c.name()));
        a.addAll(List.of("-machine", "q35"));
        a.addAll(List.of("-accel", c.accel() == QemuVmConfig.Accel.kvm ? "kvm" : "tcg,thread=multi"));
        a.addAll(List.of("-nodefaults", "-no-user-config", "-display", "none"));
        a.addAll(List.of("-smp", "cpus=" + c.bootCpus() + ",maxcpus=" + c.possibleCpus()));
        long maxMem = c.baseMemoryBytes() + c.hotplugMemoryBytes();
        if (c.hotplugMemoryBytes() > 0) {
            long boot = c.accel() == QemuVmConfig.Accel.tcg ? c.baseMemoryBytes() - TCG_BOOT_MEMORY_TRIM_BYTES : c.baseMemoryBytes();
            a.addAll(List.of("-m", "size=" + boot + "b,maxmem=" + maxMem + "b"));
            a.addAll(List.of("-object", "memory-backend-ram,id=" + VIRTIO_MEM_ID + "-ram,size=" + c.hotplugMemoryBytes() + "b"));
            a.addAll(List.of("-device", "virtio-mem-pci,id=" + VIRTIO_MEM_ID + ",memdev=" + VIRTIO_MEM_ID
                    + "-ram,block-size=" + c.virtioMemBlockBytes() + "b,requested-size="
                    + (incoming == null ? 0 : incoming.virtioMemRequestedBytes())));
        } else {
            a.addAll(List.of("-m", "size=" + c.baseMemoryBytes() + "b"));
        }
        a.addAll(List.of("-kernel", c.kernel().toString()));
        if (c.initrd() != null) {
            a.addAll(List.of("-initrd", c.initrd().toString()));
        }
        if (c.kernelCmdline() != null && !c.kernelCmdline().isBlank()) {
            a.addAll(List.of("-append", c.kernelCmdline()));
        }
        if (c.disk() != null) {
            String format = c.disk().getFileName().toString().endsWith(".qcow2") ? "qcow2" : "raw";
            a.addAll(List.of("-drive", "file=" + c.disk() + ",if=none,id=rootdisk,format=" + format + ",cache=none,aio=threads"));
            a.addAll(List.of("-device", "virtio-blk-pci,drive=rootdisk"));
        }
        // After the root disk, so that the root keeps the first virtio-blk slot (/dev/vda).
        a.addAll(c.dataDisks().qemuArgs());
        a.addAll(c.nicArgs());
        a.addAll(List.of("-chardev", "socket,id=console,path=" + p.consoleSocket() + ",server=on,wait=off"));
        a.addAll(List.of("-serial", "chardev:console"));
        a.addAll(List.of("-chardev", "socket,id=qmp,path=" + p.qmpSocket() + ",server=on,wait=off"));
        a.addAll(List.of("-mon", "chardev=qmp,mode=control"));
        a.addAll(List.of("-device", "virtio-serial-pci,id=vser0"));
        a.addAll(List.of("-chardev", "socket,id=monitor,path=" + p.guestChannelSocket() + ",server=on,wait=off"));
        a.addAll(List.of("-device", "virtserialport,bus=vser0.0,chardev=monitor,name=" + MONITOR_PORT_NAME));
        // A guest reboot ends QEMU; the supervisor's restart policy decides what happens next.
        a.add("-no-reboot");
        if (incoming != null) {
            for (Incoming.Cpu cpu : incoming.cpus()) {
                a.addAll(List.of("-device", cpu.type() + ",id=" + cpu.id() + ",socket-id=" + cpu.socketId()
                        + ",core-id=" + cpu.coreId() + ",thread-id=" + cpu.threadId()));
            }
            a.addAll(List.of("-S", "-incoming", "defer"));
        }
        a.addAll(List.of("-pidfile", p.pidFile().toString(), "-daemonize"));
        return List.copyOf(a);
    }

    /** What a migration target must be started with besides the VM's own config. */
    public record Incoming(List<Cpu> cpus, long virtioMemRequestedBytes) {
        public Incoming {
            cpus = List.copyOf(cpus);
        }

        /** A hot-plugged vCPU of the source, re-created under the same id and topology. */
        public record Cpu(String type, String id, int socketId, int coreId, int threadId) {
        }
    }
}
