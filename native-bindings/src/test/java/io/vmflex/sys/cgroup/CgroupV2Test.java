package io.vmflex.sys.cgroup;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Against a directory tree laid out like cgroupfs; the test plays the kernel's part of creating files. */
class CgroupV2Test {

    @TempDir
    Path root;

    private CgroupV2 hierarchy;

    @BeforeEach
    void layOutRoot() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu memory hugetlb\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "");
        Files.writeString(root.resolve("cgroup.procs"), "1\n");
        hierarchy = new CgroupV2(root);
    }

    /** What the kernel does on mkdir: core files plus those of the enabled controllers. */
    private static void kernelFiles(Cgroup cgroup, String controllers, String... files) throws IOException {
        Files.writeString(cgroup.path().resolve("cgroup.controllers"), controllers + "\n");
        Files.writeString(cgroup.path().resolve("cgroup.procs"), "");
        for (String file : files) {
            Files.writeString(cgroup.path().resolve(file), "default\n");
        }
    }

    @Test
    void shouldListControllersWhenReadingRoot() throws IOException {
        assertEquals(Set.of("cpu", "memory", "hugetlb"), hierarchy.availableControllers());
    }

    @Test
    void shouldCreateParentsAndSucceedAgainWhenCreatingTwice() throws IOException {
        Cgroup vm = hierarchy.create("vmflex/vm-1");
        assertEquals(root.resolve("vmflex/vm-1"), vm.path());
        assertTrue(vm.exists());
        assertEquals(vm.path(), hierarchy.create("vmflex/vm-1").path());
    }

    @Test
    void shouldWriteLimitsWhenControllerFilesExist() throws IOException {
        Cgroup vm = hierarchy.create("vmflex/vm-1");
        kernelFiles(vm, "cpu memory", "cpu.max", "cpu.weight", "memory.max");

        vm.setCpuMax(150_000, 100_000);
        assertEquals("150000 100000", Files.readString(vm.path().resolve("cpu.max")));
        vm.setCpuMax(-1, 100_000);
        assertEquals("max 100000", Files.readString(vm.path().resolve("cpu.max")));
        vm.setCpuWeight(250);
        assertEquals("250", Files.readString(vm.path().resolve("cpu.weight")));
        vm.setMemoryMax(2L << 30);
        assertEquals("2147483648", Files.readString(vm.path().resolve("memory.max")));
        vm.setMemoryMax(-1);
        assertEquals("max", Files.readString(vm.path().resolve("memory.max")));
        vm.movePid(4242);
        assertEquals(List.of(4242), vm.pids());
    }

    @Test
    void shouldNameFileAndControllerWhenControllerIsMissing() throws IOException {
        Cgroup vm = hierarchy.create("vm-2");
        kernelFiles(vm, "hugetlb");
        CgroupControllerMissingException e =
                assertThrows(CgroupControllerMissingException.class, () -> vm.setMemoryMax(1 << 20));
        assertEquals("memory", e.controller());
        assertEquals(vm.path().resolve("memory.max"), e.file());
        assertTrue(e.getMessage().contains("memory.max"), e.getMessage());
        assertTrue(e.getMessage().contains("'memory'"), e.getMessage());
        assertTrue(e.getMessage().contains("hugetlb"), e.getMessage());
        assertFalse(Files.exists(vm.path().resolve("memory.max")), "must never create an interface file");

        CgroupControllerMissingException cpu =
                assertThrows(CgroupControllerMissingException.class, () -> vm.setCpuMax(50_000, 100_000));
        assertEquals("cpu", cpu.controller());
    }

    @Test
    void shouldSayHowToEnableWhenControllerIsAvailableButNotEnabled() throws IOException {
        Cgroup vm = hierarchy.create("vm-3");
        kernelFiles(vm, "cpu");
        IOException e = assertThrows(CgroupControllerMissingException.class, () -> vm.setCpuWeight(100));
        assertTrue(e.getMessage().contains("+cpu"), e.getMessage());
    }

    @Test
    void shouldWriteSubtreeControlWhenEnablingControllers() throws IOException {
        hierarchy.rootCgroup().enableSubtreeControllers("cpu", "memory");
        assertEquals("+cpu +memory", Files.readString(root.resolve("cgroup.subtree_control")));
    }

    @Test
    void shouldRefuseWhenDirectoryIsNotACgroup() throws IOException {
        Cgroup plain = hierarchy.create("plain");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> plain.movePid(1));
        assertTrue(e.getMessage().contains("not a cgroup v2 directory"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> hierarchy.cgroup("absent").movePid(1));
    }

    @Test
    void shouldRejectValuesWhenOutOfRange() throws IOException {
        Cgroup vm = hierarchy.create("vm-4");
        assertThrows(IllegalArgumentException.class, () -> vm.setCpuMax(500, 100_000));
        assertThrows(IllegalArgumentException.class, () -> vm.setCpuMax(50_000, 10));
        assertThrows(IllegalArgumentException.class, () -> vm.setCpuWeight(0));
        assertThrows(IllegalArgumentException.class, () -> vm.setMemoryMax(-2));
        assertThrows(IllegalArgumentException.class, () -> hierarchy.create("../escape"));
        assertThrows(IllegalArgumentException.class, () -> hierarchy.create("/abs"));
    }

    @Test
    void shouldRemoveAndThenDoNothingWhenRemovedTwice() throws IOException {
        Cgroup vm = hierarchy.create("vmflex/vm-5");
        vm.remove();
        assertFalse(vm.exists());
        vm.remove();
        assertTrue(hierarchy.cgroup("vmflex").exists(), "only the leaf is removed");
        assertThrows(IllegalStateException.class, () -> hierarchy.rootCgroup().remove());
    }

    @Test
    void shouldFindCgroup2MountWhenParsingMountinfo() throws IOException {
        String mountinfo = """
                30 1 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
                31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime shared:5 - cgroup cgroup rw,cpu
                41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 master:2 - cgroup2 cgroup2 rw
                """;
        Path file = Files.writeString(root.resolve("mountinfo"), mountinfo);
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified")), CgroupV2.detectRoot(file));
        assertEquals(Optional.of(Path.of("/mnt/my cgroup")),
                Mountinfo.firstMountOf("50 1 0:40 / /mnt/my\\040cgroup rw - cgroup2 none rw\n", "cgroup2"));
        assertEquals(Optional.empty(), Mountinfo.firstMountOf(mountinfo, "nfs"));
    }
}
