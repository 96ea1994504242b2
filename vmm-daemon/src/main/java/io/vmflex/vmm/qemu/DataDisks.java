package io.vmflex.vmm.qemu;

import io.vmflex.api.vm.Disk;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The VM's {@code spec.disks} in QEMU's and the guest's terms: each {@code emptyDisk} a raw file in the
 * VM's folder attached as a virtio-blk drive, each {@code tmpfs} a mount the guest makes itself, and
 * what the guest's init needs to mount them, passed on the kernel command line as
 * {@code vmflex.disks=<base64 of one line per mount>}:
 * <pre>
 *   disk &lt;serial&gt; &lt;options&gt; &lt;mountPath&gt;    options: ro or rw, then ",discard" when asked
 *   tmpfs &lt;size in bytes&gt; &lt;mountPath&gt;
 * </pre>
 * The mount path comes last so it may hold spaces. The guest finds a drive by its virtio serial
 * ({@code /sys/block/vdX/serial}), not by its order: {@code vmflex-data<i>}, {@code i} the disk's index
 * in {@code spec.disks}, which is immutable, so a restarted or migrated VM sees the same serials
 * (QEMU's limit is 20 bytes, shorter than a disk name may be). configMap and secret disks are refused
 * at apply in standalone mode and have no plan here. Pure; immutable.
 */
public record DataDisks(List<Drive> drives, List<Tmpfs> tmpfs) {

    /** The kernel command line parameter the guest's init reads. */
    public static final String KERNEL_PARAM = "vmflex.disks";
    public static final DataDisks NONE = new DataDisks(List.of(), List.of());

    /**
     * An emptyDisk: a raw file of {@code sizeBytes}, formatted ext4 when made.
     *
     * @param id QEMU's drive id ({@code -drive id=}), also the block device a migration mirrors
     */
    public record Drive(String name, String id, String serial, Path file, long sizeBytes, boolean discard,
                        boolean readOnly, String mountPath) {
    }

    public record Tmpfs(String name, long sizeBytes, String mountPath) {
    }

    public DataDisks {
        drives = List.copyOf(drives);
        tmpfs = List.copyOf(tmpfs);
    }

    /** The plan of {@code disks} (already validated) for the VM whose files live in {@code paths}. */
    public static DataDisks of(List<Disk> disks, VmPaths paths) {
        if (disks == null || disks.isEmpty()) {
            return NONE;
        }
        List<Drive> drives = new ArrayList<>();
        List<Tmpfs> tmpfs = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            Disk d = disks.get(i);
            if (d.emptyDisk() != null) {
                drives.add(new Drive(d.name(), driveId(d.name()), "vmflex-data" + i, paths.dataDisk(d.name()),
                        d.emptyDisk().size().bytes(), Boolean.TRUE.equals(d.emptyDisk().discard()),
                        Boolean.TRUE.equals(d.readOnly()), d.mountPath()));
            } else if (d.tmpfs() != null) {
                tmpfs.add(new Tmpfs(d.name(), d.tmpfs().size().bytes(), d.mountPath()));
            } else {
                throw new IllegalArgumentException("spec.disks[" + i + "] (" + d.name()
                        + "): only emptyDisk and tmpfs disks are supported by vmflex");
            }
        }
        return new DataDisks(drives, tmpfs);
    }

    /** QEMU's drive id of the data disk {@code name} (a DNS label, so a valid QEMU id after the prefix). */
    public static String driveId(String name) {
        return "data-" + name;
    }

    /** {@code " vmflex.disks=<base64>"}, or "" when there is nothing to mount. */
    public String kernelArg() {
        if (drives.isEmpty() && tmpfs.isEmpty()) {
            return "";
        }
        StringBuilder lines = new StringBuilder();
        for (Drive d : drives) {
            lines.append("disk ").append(d.serial()).append(' ').append(d.readOnly() ? "ro" : "rw")
                    .append(d.discard() ? ",discard" : "").append(' ').append(d.mountPath()).append('\n');
        }
        for (Tmpfs t : tmpfs) {
            lines.append("tmpfs ").append(t.sizeBytes()).append(' ').append(t.mountPath()).append('\n');
        }
        return " " + KERNEL_PARAM + "=" + Base64.getEncoder().encodeToString(lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** QEMU's arguments for the drives: one raw virtio-blk drive each, with its serial. */
    public List<String> qemuArgs() {
        List<String> a = new ArrayList<>();
        for (Drive d : drives) {
            a.addAll(List.of("-drive", "file=" + d.file() + ",if=none,id=" + d.id() + ",format=raw,cache=none,aio=threads"
                    + (d.discard() ? ",discard=unmap" : "")));
            a.addAll(List.of("-device", "virtio-blk-pci,drive=" + d.id() + ",serial=" + d.serial()));
        }
        return a;
    }
}
