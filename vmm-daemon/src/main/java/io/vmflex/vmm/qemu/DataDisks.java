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
 *   swap &lt;serial&gt;                          spec.guest.settings.swap: mkswap + swapon at every boot
 * </pre>
 * The mount path comes last so it may hold spaces. The guest finds a drive by its virtio serial
 * ({@code /sys/block/vdX/serial}), not by its order: {@code vmflex-data<i>}, {@code i} the disk's index
 * in {@code spec.disks}, which is immutable, so a restarted or migrated VM sees the same serials
 * (QEMU's limit is 20 bytes, shorter than a disk name may be). configMap and secret disks are refused
 * at apply in standalone mode and have no plan here.
 *
 * <p>{@code spec.guest.settings.swap} is one more writable drive of the VM ({@link Swap}): a sparse raw
 * file that the guest formats with mkswap at every boot (the host never writes it), so it needs no
 * format on the host, and migrates like a data disk (its pages are guest memory that must not be lost).
 * Pure; immutable.
 *
 * @param swap the swap disk, or null
 */
public record DataDisks(List<Drive> drives, List<Tmpfs> tmpfs, Swap swap) {

    /** The kernel command line parameter the guest's init reads. */
    public static final String KERNEL_PARAM = "vmflex.disks";
    public static final DataDisks NONE = new DataDisks(List.of(), List.of(), null);
    /** QEMU's drive id of the swap disk: not {@code data-...}, so it can never clash with a data disk's. */
    public static final String SWAP_DRIVE_ID = "swapdisk";
    /** The swap disk's virtio serial, which the guest looks for. */
    public static final String SWAP_SERIAL = "vmflex-swap";

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

    /** The swap disk: a sparse raw file of {@code sizeBytes}, attached with discard so freed swap goes back to the host. */
    public record Swap(Path file, long sizeBytes) {
    }

    public DataDisks {
        drives = List.copyOf(drives);
        tmpfs = List.copyOf(tmpfs);
    }

    /** Without a swap disk. */
    public DataDisks(List<Drive> drives, List<Tmpfs> tmpfs) {
        this(drives, tmpfs, null);
    }

    /**
     * The plan of {@code disks} and the swap disk of {@code swapBytes} (null: none), both validated, for
     * the VM whose files live in {@code paths}.
     */
    public static DataDisks of(List<Disk> disks, Long swapBytes, VmPaths paths) {
        DataDisks plan = of(disks, paths);
        return swapBytes == null ? plan : new DataDisks(plan.drives(), plan.tmpfs(), new Swap(paths.swapDisk(), swapBytes));
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
        if (drives.isEmpty() && tmpfs.isEmpty() && swap == null) {
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
        if (swap != null) {
            lines.append("swap ").append(SWAP_SERIAL).append('\n');
        }
        return " " + KERNEL_PARAM + "=" + Base64.getEncoder().encodeToString(lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** QEMU's arguments for the drives and the swap disk: one raw virtio-blk drive each, with its serial. */
    public List<String> qemuArgs() {
        List<String> a = new ArrayList<>();
        for (Drive d : drives) {
            a.addAll(List.of("-drive", "file=" + d.file() + ",if=none,id=" + d.id() + ",format=raw,cache=none,aio=threads"
                    + (d.discard() ? ",discard=unmap" : "")));
            a.addAll(List.of("-device", "virtio-blk-pci,drive=" + d.id() + ",serial=" + d.serial()));
        }
        if (swap != null) {
            a.addAll(List.of("-drive", "file=" + swap.file() + ",if=none,id=" + SWAP_DRIVE_ID
                    + ",format=raw,cache=none,aio=threads,discard=unmap"));
            a.addAll(List.of("-device", "virtio-blk-pci,drive=" + SWAP_DRIVE_ID + ",serial=" + SWAP_SERIAL));
        }
        return a;
    }
}
