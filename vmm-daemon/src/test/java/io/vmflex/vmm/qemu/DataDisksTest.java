package io.vmflex.vmm.qemu;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.Disk;
import io.vmflex.api.vm.EmptyDiskSource;
import io.vmflex.api.vm.TmpfsDiskSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataDisksTest {
    private static final VmPaths PATHS = new VmPaths(Path.of("/var/lib/vmflex/vms/db"));
    private static final long MI = 1L << 20;

    private static Disk empty(String name, String mountPath, long bytes, Boolean discard, Boolean readOnly) {
        return new Disk(name, readOnly, mountPath, null, new EmptyDiskSource(ByteQuantity.ofBytes(bytes), discard, null),
                null, null, null);
    }

    private static Disk tmpfs(String name, String mountPath, long bytes) {
        return new Disk(name, null, mountPath, null, null, null, null, new TmpfsDiskSource(ByteQuantity.ofBytes(bytes)));
    }

    private static String decoded(String arg) {
        assertTrue(arg.startsWith(" " + DataDisks.KERNEL_PARAM + "="), arg);
        String b64 = arg.substring(DataDisks.KERNEL_PARAM.length() + 2);
        assertTrue(b64.matches("[A-Za-z0-9+/=]+"), "the kernel would split " + b64);
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Test
    void shouldPlanNothingWhenSpecHasNoDisks() {
        assertEquals(DataDisks.NONE, DataDisks.of(null, PATHS));
        assertEquals(DataDisks.NONE, DataDisks.of(List.of(), PATHS));
        assertEquals("", DataDisks.NONE.kernelArg());
        assertEquals(List.of(), DataDisks.NONE.qemuArgs());
    }

    @Test
    void shouldPlanEachEmptyDiskAsAFileInTheVmsFolderWithASerialFromItsIndex() {
        DataDisks plan = DataDisks.of(List.of(tmpfs("scratch", "/scratch", 64 * MI),
                empty("pgdata", "/var/lib/postgresql", 1024 * MI, true, null)), PATHS);
        assertEquals(List.of(new DataDisks.Drive("pgdata", "data-pgdata", "vmflex-data1",
                Path.of("/var/lib/vmflex/vms/db/disk-pgdata.raw"), 1024 * MI, true, false, "/var/lib/postgresql")), plan.drives());
        assertEquals(List.of(new DataDisks.Tmpfs("scratch", 64 * MI, "/scratch")), plan.tmpfs());
    }

    @Test
    void shouldTellTheGuestEachMountWithThePathLastSoItMayHoldSpaces() {
        DataDisks plan = DataDisks.of(List.of(empty("data", "/mnt/my data", 8 * MI, true, null),
                empty("ro", "/ro", 8 * MI, null, true), tmpfs("t", "/run/t", 3 * MI)), PATHS);
        assertEquals("""
                disk vmflex-data0 rw,discard /mnt/my data
                disk vmflex-data1 ro /ro
                tmpfs 3145728 /run/t
                """, decoded(plan.kernelArg()));
    }

    @Test
    void shouldAttachEachDriveAsRawVirtioBlkWithItsSerial() {
        DataDisks plan = DataDisks.of(List.of(empty("data", "/data", 8 * MI, true, null),
                empty("logs", "/logs", 8 * MI, false, null)), PATHS);
        assertEquals(List.of(
                "-drive", "file=/var/lib/vmflex/vms/db/disk-data.raw,if=none,id=data-data,format=raw,cache=none,aio=threads,discard=unmap",
                "-device", "virtio-blk-pci,drive=data-data,serial=vmflex-data0",
                "-drive", "file=/var/lib/vmflex/vms/db/disk-logs.raw,if=none,id=data-logs,format=raw,cache=none,aio=threads",
                "-device", "virtio-blk-pci,drive=data-logs,serial=vmflex-data1"), plan.qemuArgs());
    }

    @Test
    void shouldPlanTheSwapDiskAsASparseFileTheGuestFindsByItsSerial() {
        DataDisks plan = DataDisks.of(List.of(tmpfs("t", "/run/t", 3 * MI)), 512 * MI, PATHS);
        assertEquals(new DataDisks.Swap(Path.of("/var/lib/vmflex/vms/db/swap.raw"), 512 * MI), plan.swap());
        assertEquals("""
                tmpfs 3145728 /run/t
                swap vmflex-swap
                """, decoded(plan.kernelArg()));
        assertEquals(List.of(
                "-drive", "file=/var/lib/vmflex/vms/db/swap.raw,if=none,id=swapdisk,format=raw,cache=none,aio=threads,discard=unmap",
                "-device", "virtio-blk-pci,drive=swapdisk,serial=vmflex-swap"), plan.qemuArgs());
        assertEquals("swap vmflex-swap\n", decoded(DataDisks.of(null, 64 * MI, PATHS).kernelArg()));
        assertEquals(DataDisks.NONE, DataDisks.of(null, null, PATHS));
    }

    @Test
    void shouldRefuseASourceStandaloneVmflexCannotProvide() {
        Disk configMap = new Disk("cfg", null, "/etc/cfg", null, null,
                io.vmflex.api.json.ApiMapper.json().createObjectNode().put("name", "c"), null, null);
        var e = assertThrows(IllegalArgumentException.class, () -> DataDisks.of(List.of(configMap), PATHS));
        assertEquals("spec.disks[0] (cfg): only emptyDisk and tmpfs disks are supported by vmflex", e.getMessage());
    }
}
