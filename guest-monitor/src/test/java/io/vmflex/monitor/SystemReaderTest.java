package io.vmflex.monitor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SystemReaderTest {
    @TempDir
    Path root;

    @Test
    void shouldReadEveryFieldWhenAllFilesExist() {
        Path proc = root.resolve("proc");
        Path sys = root.resolve("sys");
        Path cg = root.resolve("cg/workload");
        FakeTree.write(sys, "devices/system/cpu/online", "0-2,5\n");
        FakeTree.write(proc, "loadavg", "0.50 1.25 2.00 3/120 4567\n");
        FakeTree.write(proc, "meminfo", "MemTotal:         156560 kB\nMemFree:           80000 kB\n"
                + "MemAvailable:     100000 kB\nBuffers:            1000 kB\nCached:            30000 kB\nSwapCached:            0 kB\n");
        FakeTree.write(cg, "memory.stat", "anon 4096\nfile 8192\nanon_thp 0\n");
        FakeTree.write(proc, "pressure/memory", "some avg10=1.50 avg60=0.20 avg300=0.00 total=100\n"
                + "full avg10=0.75 avg60=0.00 avg300=0.00 total=50\n");
        FakeTree.write(proc, "pressure/cpu", "some avg10=12.34 avg60=1.00 avg300=0.00 total=999\n"
                + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        // user nice system idle iowait irq softirq steal guest guest_nice
        FakeTree.write(proc, "stat", "cpu  100 5 20 800 30 1 2 40 0 0\ncpu0 50 2 10 400 15 0 1 20 0 0\nintr 1\n");

        GuestStats s = new SystemReader(proc, sys, cg).read();

        // Busy: user + nice + system + irq + softirq = 128; all = that + idle + iowait = 958; steal counts in neither.
        assertEquals(new GuestStats(4, 0.5, 1.25, 2.0, 156560L * 1024, 100000L * 1024, 30000L * 1024, 4096,
                1.5, 0.75, 12.34, new GuestStats.CpuTicks(128, 958)), s);
    }

    @Test
    void shouldReportZerosWhenFilesAreMissing() {
        GuestStats s = new SystemReader(root.resolve("proc"), root.resolve("sys"), root.resolve("none")).read();

        assertEquals(new GuestStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, GuestStats.CpuTicks.NONE), s);
    }

    @Test
    void shouldCountCpuListsWhenRangesAndSinglesMix() {
        assertEquals(1, SystemReader.countCpuList("0\n"));
        assertEquals(4, SystemReader.countCpuList("0-3"));
        assertEquals(6, SystemReader.countCpuList("0-1,3,5-7"));
        assertEquals(0, SystemReader.countCpuList(""));
        assertEquals(0, SystemReader.countCpuList("x-y"));
    }

    @Test
    void shouldNotConfuseCachedWithSwapCachedWhenParsingMeminfo() {
        String text = "SwapCached:  7 kB\nCached:  3 kB\n";

        assertEquals(3 * 1024, SystemReader.kbField(text, "Cached:"));
    }

    @Test
    void shouldCountLargerOfAvailableGapAndCgroupAnonAsUsed() {
        GuestStats byMeminfo = new GuestStats(1, 0, 0, 0, 1000, 400, 0, 100, 0, 0, 0, GuestStats.CpuTicks.NONE);
        GuestStats byCgroup = new GuestStats(1, 0, 0, 0, 1000, 900, 0, 300, 0, 0, 0, GuestStats.CpuTicks.NONE);

        assertEquals(600, byMeminfo.usedBytes());
        assertEquals(300, byCgroup.usedBytes());
    }

    @Test
    void shouldSplitLikeRegexWhitespaceSplitWhenTextIsTrimmed() {
        for (String s : new String[] {"", "a", "a b", "a \t  b\u000bc", "0.50 1.25 2.00 3/120 4567", "anon   12345"}) {
            assertArrayEquals(s.split("\\s+"), SystemReader.fields(s), s);
        }
    }

    @Test
    void shouldComputeProcessAgeFromStatStartTimeAndUptime() {
        Path proc = root.resolve("proc");
        // Field 22 (starttime) is 250 ticks = 2.5 s after boot; the name holds a space and a ')'.
        FakeTree.write(proc, "self/stat", "42 (my (java) x) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 13 0 250 1000 200\n");
        FakeTree.write(proc, "uptime", "12.75 3.00\n");

        assertEquals(10250, SystemReader.processAgeMillis(proc));
        assertEquals(-1, SystemReader.processAgeMillis(root.resolve("none")));
    }
}
