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
        assertNull(meter.sample(0, 0, new CpuUsage(0, 0, 0), 500));
        assertNull(meter.sample(S / 2, 500, new CpuUsage(S / 4, 0, 0), 500), "half a second is too short to judge");

        HostCpuMeter.Reading r = meter.sample(S, 1000, new CpuUsage(S / 2, 3, S / 2), 500);

        assertEquals(0.5, r.busyCpus(), 1e-9);
        assertEquals(1.0, r.busyFraction(), 1e-9, "0.5 CPU-s/s at use 500m is all of it");
        assertEquals(0.5, r.throttledFraction(), 1e-9);
        assertEquals(1000, r.windowMillis());
        assertSame(r, meter.reading());
    }

    @Test
    void shouldCapTheFractionAndStartAgainWhenTheCounterGoesBack() {
        HostCpuMeter meter = new HostCpuMeter();
        meter.sample(0, 0, new CpuUsage(10 * S, 0, 0), 1000);
        assertEquals(1.0, meter.sample(S, 1000, new CpuUsage(12 * S, 0, 0), 1000).busyFraction(), "2 CPU-s/s at 1 CPU");

        HostCpuMeter.Reading kept = meter.reading();
        assertSame(kept, meter.sample(2 * S, 2000, new CpuUsage(S / 10, 0, 0), 1000), "a new QEMU: first look again");
        assertEquals(0.2, meter.sample(3 * S, 3000, new CpuUsage(S / 10 + S / 5, 0, 0), 1000).busyCpus(), 1e-9);
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
