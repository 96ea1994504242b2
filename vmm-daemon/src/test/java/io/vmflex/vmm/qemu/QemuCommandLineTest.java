package io.vmflex.vmm.qemu;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuCommandLineTest {
    private static final long MI = 1L << 20;

    private static QemuVmConfig config(long hotplug) {
        return new QemuVmConfig("db", Path.of("/usr/bin/qemu-system-x86_64"), QemuVmConfig.Accel.tcg, 1, 4,
                256 * MI, hotplug, 2 * MI, Path.of("/img/vmlinuz"), Path.of("/img/initrd.img"), null,
                "console=ttyS0", List.of(), new VmPaths(Path.of("/var/lib/vmflex/vms/db")));
    }

    private static String after(List<String> argv, String flag, String prefix) {
        for (int i = 0; i < argv.size() - 1; i++) {
            if (argv.get(i).equals(flag) && argv.get(i + 1).startsWith(prefix)) {
                return argv.get(i + 1);
            }
        }
        throw new AssertionError(flag + " " + prefix + "... not in " + argv);
    }

    @Test
    void shouldSizeBootMemoryAndVirtioMemFromSlots() {
        List<String> argv = QemuCommandLine.build(config(768 * MI));
        // Under TCG boot memory is 8 KiB short of the spec (see TCG_BOOT_MEMORY_TRIM_BYTES); maxmem is not.
        assertEquals("size=" + (256 * MI - 8192) + "b,maxmem=" + 1024 * MI + "b", after(argv, "-m", "size="));
        assertTrue(after(argv, "-object", "memory-backend-ram").contains("size=" + 768 * MI + "b"));
        String dev = after(argv, "-device", "virtio-mem-pci");
        assertTrue(dev.contains("requested-size=0") && dev.contains("block-size=" + 2 * MI + "b"), dev);
        // Under TCG QEMU is told of 32 possible CPUs: each plug uses up a translation context.
        assertEquals("cpus=1,maxcpus=" + QemuVmConfig.TCG_POSSIBLE_CPUS, after(argv, "-smp", "cpus="));
    }

    @Test
    void shouldStartPausedWithTheSourcesCpusAndMemoryWhenItIsAMigrationTarget() {
        var incoming = new QemuCommandLine.Incoming(List.of(new QemuCommandLine.Incoming.Cpu("qemu64-x86_64-cpu",
                "cpu-1-0-0", 1, 0, 0)), 256 * MI);
        List<String> argv = QemuCommandLine.build(config(768 * MI), incoming);
        assertTrue(after(argv, "-device", "virtio-mem-pci").contains("requested-size=" + 256 * MI), argv.toString());
        assertEquals("qemu64-x86_64-cpu,id=cpu-1-0-0,socket-id=1,core-id=0,thread-id=0",
                after(argv, "-device", "qemu64-x86_64-cpu"));
        assertTrue(argv.contains("-S"), argv.toString());
        assertEquals("defer", after(argv, "-incoming", "defer"));
        assertFalse(QemuCommandLine.build(config(768 * MI)).contains("-incoming"));
    }

    @Test
    void shouldOmitVirtioMemWhenMinEqualsMax() {
        List<String> argv = QemuCommandLine.build(config(0));
        assertFalse(String.join(" ", argv).contains("virtio-mem"));
        assertEquals("size=" + 256 * MI + "b", after(argv, "-m", "size="));
    }

    @Test
    void shouldUseOnlyUnixSocketsAndDaemonize() {
        List<String> argv = QemuCommandLine.build(config(768 * MI));
        String all = String.join(" ", argv);
        assertFalse(all.contains("tcp:") || all.contains("host=") || all.contains("port="), all);
        assertTrue(argv.contains("-daemonize"));
        assertTrue(argv.contains("-nodefaults"));
        assertTrue(after(argv, "-device", "virtserialport").contains("name=" + QemuCommandLine.MONITOR_PORT_NAME));
    }

    @Test
    void shouldGiveTcgBootMemoryALengthQemuSyncsPageByPageWhenVirtioMemPrecedesIt() {
        long tcgBoot = Long.parseLong(after(QemuCommandLine.build(config(768 * MI)), "-m", "size=").replaceAll("size=(\\d+)b,.*", "$1"));
        assertTrue(tcgBoot % (256 * 1024) != 0 && tcgBoot % 8192 == 0,
                "not a whole number of 64 pages (QEMU's word-aligned sync), but QEMU's own 8 KiB alignment: " + tcgBoot);
        QemuVmConfig kvm = new QemuVmConfig("db", Path.of("/usr/bin/qemu-system-x86_64"), QemuVmConfig.Accel.kvm, 1, 4,
                256 * MI, 768 * MI, 2 * MI, Path.of("/img/vmlinuz"), null, null, "", List.of(), new VmPaths(Path.of("/tmp/db")));
        assertEquals("size=" + 256 * MI + "b,maxmem=" + 1024 * MI + "b", after(QemuCommandLine.build(kvm), "-m", "size="),
                "KVM keeps the exact size");
    }

    @Test
    void shouldUseSpecMaxAsPossibleCpusUnderKvm() {
        QemuVmConfig kvm = new QemuVmConfig("db", Path.of("/usr/bin/qemu-system-x86_64"), QemuVmConfig.Accel.kvm, 1, 4,
                256 * MI, 0, 2 * MI, Path.of("/img/vmlinuz"), null, null, "", List.of(), new VmPaths(Path.of("/tmp/db")));
        assertEquals("cpus=1,maxcpus=4", after(QemuCommandLine.build(kvm), "-smp", "cpus="));
        assertEquals(Integer.MAX_VALUE, kvm.cpuPlugBudget());
        assertEquals(QemuVmConfig.TCG_POSSIBLE_CPUS - 1, config(0).cpuPlugBudget());
    }

    @Test
    void shouldAttachTheVmsOverlayAsQcow2() {
        QemuVmConfig c = new QemuVmConfig("db", Path.of("/usr/bin/qemu-system-x86_64"), QemuVmConfig.Accel.kvm, 1, 4,
                256 * MI, 0, 2 * MI, Path.of("/img/vmlinuz"), null, Path.of("/var/lib/vmflex/vms/db/root.qcow2"), "",
                List.of(), new VmPaths(Path.of("/var/lib/vmflex/vms/db")));
        assertTrue(after(QemuCommandLine.build(c), "-drive", "file=").contains("format=qcow2"));
    }

    @Test
    void shouldRefuseHotplugMemoryThatIsNotWholeBlocks() {
        assertThrows(IllegalArgumentException.class, () -> config(3 * MI));
    }

    @Test
    void shouldAttachDataDisksAfterTheRootDisk() {
        QemuVmConfig base = config(0);
        VmPaths paths = base.paths();
        DataDisks disks = new DataDisks(List.of(new DataDisks.Drive("data", "data-data", "vmflex-data0",
                paths.dataDisk("data"), 8 * MI, false, false, "/data")), List.of());
        QemuVmConfig c = new QemuVmConfig("db", base.qemuBinary(), base.accel(), 1, 4, 256 * MI, 0, 2 * MI, base.kernel(),
                base.initrd(), Path.of("/var/lib/vmflex/vms/db/root.qcow2"), "console=ttyS0", List.of(), paths, disks);
        List<String> argv = QemuCommandLine.build(c);
        int root = argv.indexOf("virtio-blk-pci,drive=rootdisk");
        int data = argv.indexOf("virtio-blk-pci,drive=data-data,serial=vmflex-data0");
        assertTrue(root > 0 && data > root, argv.toString());
        assertEquals("file=/var/lib/vmflex/vms/db/disk-data.raw,if=none,id=data-data,format=raw,cache=none,aio=threads",
                after(argv, "-drive", "file=/var/lib/vmflex/vms/db/disk-data.raw"));
    }
}
