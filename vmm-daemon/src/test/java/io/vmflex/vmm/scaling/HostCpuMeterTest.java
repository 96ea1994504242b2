package io.vmflex.vmm.scaling;

import io.vmflex.sys.cgroup.CpuUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class HostCpuMeterTest {
    private static final long S = 1_000_000_000L;

    @Test
    void shouldReportBusyCpusAgainstTheAllocationOverAtLeastAWindow() {
        HostCpuMeter meter = new HostCpuMeter();
        assertNull(meter.sample(0, 0, new CpuUsage(0, 0, 0), -1, 500));
        assertNull(meter.sample(S / 2, 500, new CpuUsage(S / 4, 0, 0), -1, 500), "half a second is too short to judge");

        HostCpuMeter.Reading r = meter.sample(S, 1000, new CpuUsage(S / 2, 3, S / 2), -1, 500);

        assertEquals(0.5, r.busyCpus(), 1e-9);
        assertEquals(1.0, r.busyFraction(), 1e-9, "0.5 CPU-s/s at use 500m is all of it");
        assertEquals(0.5, r.throttledFraction(), 1e-9);
        assertEquals(1000, r.windowMillis());
        assertSame(r, meter.reading());
    }

    @Test
    void shouldCapTheFractionAndStartAgainWhenTheCounterGoesBack() {
        HostCpuMeter meter = new HostCpuMeter();
        meter.sample(0, 0, new CpuUsage(10 * S, 0, 0), -1, 1000);
        assertEquals(1.0, meter.sample(S, 1000, new CpuUsage(12 * S, 0, 0), -1, 1000).busyFraction(), "2 CPU-s/s at 1 CPU");

        HostCpuMeter.Reading kept = meter.reading();
        assertSame(kept, meter.sample(2 * S, 2000, new CpuUsage(S / 10, 0, 0), -1, 1000), "a new QEMU: first look again");
        assertEquals(0.2, meter.sample(3 * S, 3000, new CpuUsage(S / 10 + S / 5, 0, 0), -1, 1000).busyCpus(), 1e-9);
    }

    @Test
    void shouldAddTheRunQueueWaitOfACrowdedHostAgainstTheAllocation() {
        HostCpuMeter meter = new HostCpuMeter();
        meter.sample(0, 0, new CpuUsage(0, 0, 0), 5 * S, 2000);
        // Two burning vCPUs that got 0.6 CPU-s/s between them and waited 1.4 s/s on the host's run queues.
        HostCpuMeter.Reading r = meter.sample(S, 1000, new CpuUsage(6 * S / 10, 0, 0), 5 * S + 14 * S / 10, 2000);
        assertEquals(0.3, r.busyFraction(), 1e-9);
        assertEquals(0.7, r.waitFraction(), 1e-9, "1.4 s/s of wait against 2 CPUs");
        HostCpuMeter.Reading gone = meter.sample(2 * S, 2000, new CpuUsage(S, 0, 0), S, 2000);
        assertEquals(0.0, gone.waitFraction(), "a thread that ended takes its wait along: not a negative wait");
        assertTrue(Double.isNaN(meter.sample(3 * S, 3000, new CpuUsage(2 * S, 0, 0), -1, 2000).waitFraction()),
                "unknown stays unknown");
    }

    @Test
    void shouldSumTheWaitOfEveryThread(@TempDir Path dir) throws Exception {
        for (String[] t : new String[][] {{"100", "5 700 3\n"}, {"101", "9 300 1\n"}, {"102", "garbage"}}) {
            Files.createDirectories(dir.resolve(t[0]));
            Files.writeString(dir.resolve(t[0]).resolve("schedstat"), t[1]);
        }
        assertEquals(1000, VmCgroup.runQueueWait(dir));
        assertEquals(-1, VmCgroup.runQueueWait(dir.resolve("missing")));
    }

    @Test
    void shouldReadAProcessesTimesFromItsStatFile(@TempDir Path dir) throws Exception {
        Path stat = dir.resolve("stat");
        // pid (comm) state ppid ... utime=field 14, stime=field 15; the name holds ") (".
        Files.writeString(stat, "4242 (qemu) (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 9 0 77 0 0\n");

        assertEquals(new CpuUsage(4_000_000_000L, 0, 0), VmCgroup.processUsage(stat));
        assertNull(VmCgroup.processUsage(dir.resolve("missing")));
        Files.writeString(stat, "garbage");
        assertNull(VmCgroup.processUsage(stat));
    }
}
