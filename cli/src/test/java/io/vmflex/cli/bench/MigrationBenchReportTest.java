package io.vmflex.cli.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationBenchReportTest {
    private static final long GIB = 1L << 30;

    @Test
    void shouldCompareMediansPerChannelCountWhenRunsAlternate() {
        MigrationBenchReport r = new MigrationBenchReport();
        // 1 GiB in 1000 ms = 8590 Mbit/s; the outlier (5000 ms) must not move the median.
        r.add(new MigrationSample("direct", 1, 1000, 40, 45, GIB, 1200, -1));
        r.add(new MigrationSample("direct", 1, 5000, 900, 905, GIB, 5200, -1));
        r.add(new MigrationSample("direct", 1, 1000, 42, 47, GIB, 1200, -1));
        r.add(new MigrationSample("relayed", 1, 1250, 50, 59, GIB, 1500, 500));
        r.add(new MigrationSample("relayed", 1, 1250, 44, 53, GIB, 1500, 700));
        r.add(new MigrationSample("relayed", 1, 1250, 46, 55, GIB, 1500, 600));
        r.add(new MigrationSample("direct", 2, 500, 10, 15, GIB, 700, -1));

        assertEquals(0.8, r.throughputRatio(1), 1e-9);
        assertEquals(46 - 42, r.downtimeDifferenceMs(1), 1e-9);
        assertEquals((46 + 9) - (42 + 5), r.switchoverDifferenceMs(1), 1e-9);
        assertEquals(0.6, MigrationBenchReport.median(r.samples("relayed", 1), MigrationSample::daemonCpuSecondsPerGiB), 1e-9);
        assertTrue(Double.isNaN(r.throughputRatio(2)), "no relayed samples with 2 channels");
    }

    @Test
    void shouldHaveNoDaemonCpuWhenDirect() {
        assertTrue(Double.isNaN(new MigrationSample("direct", 1, 1000, 40, 45, GIB, 1200, -1).daemonCpuSecondsPerGiB()));
        assertEquals(8589.934592, new MigrationSample("direct", 1, 1000, 40, 45, GIB, 1200, -1).mbps(), 1e-6);
    }
}
