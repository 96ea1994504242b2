package io.vmflex.sys.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Detection and the interface files of both layouts, against directory trees laid out like cgroupfs. */
class CpuHierarchyTest {

    private static final String HYBRID = """
            30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            """;

    @Test
    void shouldPickV1CpuAndCpuacctMountsWhenTheHostIsHybrid(@TempDir Path dir) throws IOException {
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "hugetlb\n");
        String mountinfo = HYBRID + "40 30 0:37 / " + unified + " rw,relatime - cgroup2 cgroup2 rw\n";

        CpuHierarchy found = CpuHierarchy.detect(mountinfo).orElseThrow();

        assertEquals(new CpuHierarchy.V1(Path.of("/sys/fs/cgroup/cpu"), Path.of("/sys/fs/cgroup/cpuacct")), found);
        assertEquals("cgroup v1", found.kind());
    }

    @Test
    void shouldUseOneDirectoryWhenCpuAndCpuacctAreMountedTogether() throws IOException {
        String mountinfo = "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n";

        assertEquals(new CpuHierarchy.V1(Path.of("/sys/fs/cgroup/cpu,cpuacct"), Path.of("/sys/fs/cgroup/cpu,cpuacct")),
                CpuHierarchy.detect(mountinfo).orElseThrow());
    }

    @Test
    void shouldPreferV2WhenItsRootOffersCpu(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        String mountinfo = "29 22 0:26 / " + dir + " rw - cgroup2 cgroup2 rw\n" + HYBRID;

        assertInstanceOf(CpuHierarchy.V2.class, CpuHierarchy.detect(mountinfo).orElseThrow());
    }

    @Test
    void shouldFindNothingWhenNoHierarchyHasCpu() throws IOException {
        assertTrue(CpuHierarchy.detect("34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n").isEmpty());
    }

    @Test
    void shouldWriteQuotaAndReadAccountingWhenLaidOutLikeV1(@TempDir Path dir) throws IOException {
        CpuHierarchy v1 = CpuHierarchy.v1(dir.resolve("cpu"), dir.resolve("cpuacct"));
        CpuGroup group = v1.create("vmflex/vm-1");
        Path cpu = dir.resolve("cpu/vmflex/vm-1");
        Path acct = dir.resolve("cpuacct/vmflex/vm-1");
        for (String f : List.of("cgroup.procs", "cpu.cfs_quota_us", "cpu.cfs_period_us")) {
            Files.writeString(cpu.resolve(f), "");
        }
        Files.writeString(cpu.resolve("cpu.stat"), "nr_periods 40\nnr_throttled 7\nthrottled_time 123456789\n");
        Files.writeString(acct.resolve("cgroup.procs"), "");
        Files.writeString(acct.resolve("cpuacct.usage"), "987654321\n");

        group.movePid(4242);
        group.setCpuQuota(50_000, 100_000);

        assertEquals(List.of(cpu, acct), group.paths());
        assertEquals("4242", Files.readString(cpu.resolve("cgroup.procs")));
        assertEquals("4242", Files.readString(acct.resolve("cgroup.procs")));
        assertEquals("100000", Files.readString(cpu.resolve("cpu.cfs_period_us")));
        assertEquals(50_000, group.cpuQuotaUs());
        assertEquals(new CpuUsage(987_654_321L, 7, 123_456_789L), group.usage());
    }

    @Test
    void shouldWriteCpuMaxAndReadCpuStatWhenLaidOutLikeV2(@TempDir Path dir) throws IOException {
        CpuGroup group = CpuHierarchy.v2(dir).create("vmflex/vm-1");
        Path path = dir.resolve("vmflex/vm-1");
        Files.writeString(path.resolve("cpu.max"), "max 100000\n");
        Files.writeString(path.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"
                + "nr_periods 10\nnr_throttled 2\nthrottled_usec 300\n");

        assertEquals(-1, group.cpuQuotaUs());
        group.setCpuQuota(150_000, 100_000);

        assertEquals("150000 100000", Files.readString(path.resolve("cpu.max")));
        assertEquals(new CpuUsage(1_500_000, 2, 300_000), group.usage());
    }

    @Test
    void shouldRefuseBadQuotaBeforeWritingAnything(@TempDir Path dir) throws IOException {
        CpuGroup group = CpuHierarchy.v1(dir, dir).create("g");
        Files.writeString(dir.resolve("g/cpu.cfs_quota_us"), "-1");

        assertThrows(IllegalArgumentException.class, () -> group.setCpuQuota(999, 100_000));
        assertThrows(IllegalArgumentException.class, () -> group.setCpuQuota(50_000, 999));
        assertEquals("-1", Files.readString(dir.resolve("g/cpu.cfs_quota_us")));
    }

    @Test
    void shouldSayNotACgroupWhenTheInterfaceFileIsMissing(@TempDir Path dir) throws IOException {
        CpuGroup group = CpuHierarchy.v1(dir, dir).create("g");

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> group.setCpuQuota(50_000, 100_000));
        assertTrue(e.getMessage().contains("not a cgroup v1 cpu/cpuacct directory"), e.getMessage());
    }

    @Test
    void shouldRefuseEscapingPaths(@TempDir Path dir) {
        CpuHierarchy v1 = CpuHierarchy.v1(dir, dir);
        assertThrows(IllegalArgumentException.class, () -> v1.create("../etc"));
        assertThrows(IllegalArgumentException.class, () -> v1.create("/abs"));
    }
}
