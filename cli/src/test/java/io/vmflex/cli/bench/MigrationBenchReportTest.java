package io.vmflex.cli.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationBenchReportTest {
    private static final long GIB = 1L << 30;

    @Test
    void shouldCompareMediansPerChannelCountWhenRunsAlternate() {
        MigrationBenchReport r = new MigrationBenchReport();
        // 1 GiB in 1000 ms = 8590 Mbit/s; the outlier (5000 ms) must not move the median.
        r.add(new MigrationSample("direct", 1, 100000, 1000, 40, 45, GIB, 1200, -1));
        r.add(new MigrationSample("direct", 1, 100000, 5000, 900, 905, GIB, 5200, -1));
        r.add(new MigrationSample("direct", 1, 100000, 1000, 42, 47, GIB, 1200, -1));
        r.add(new MigrationSample("relayed", 1, 100000, 1250, 50, 59, GIB, 1500, 500));
        r.add(new MigrationSample("relayed", 1, 100000, 1250, 44, 53, GIB, 1500, 700));
        r.add(new MigrationSample("relayed", 1, 100000, 1250, 46, 55, GIB, 1500, 600));
        r.add(new MigrationSample("direct", 2, 100000, 500, 10, 15, GIB, 700, -1));

        MigrationBenchReport.Setting one = new MigrationBenchReport.Setting(100000, 1);
        assertEquals(0.8, r.throughputRatio(one), 1e-9);
        assertEquals(46 - 42, r.downtimeDifferenceMs(one), 1e-9);
        assertEquals((46 + 9) - (42 + 5), r.switchoverDifferenceMs(one), 1e-9);
        assertEquals(0.6, MigrationBenchReport.median(r.samples("relayed", one), MigrationSample::daemonCpuSecondsPerGiB), 1e-9);
        assertTrue(Double.isNaN(r.throughputRatio(new MigrationBenchReport.Setting(100000, 2))), "no relayed samples with 2 channels");
    }

    @Test
    void shouldCompareEachBandwidthCapOnItsOwnWhenSeveralRanInOneRun() {
        MigrationBenchReport r = new MigrationBenchReport();
        r.add(new MigrationSample("direct", 1, 4000, 1300, 20, 30, GIB, 1500, -1));
        r.add(new MigrationSample("relayed", 1, 4000, 1300, 22, 31, GIB, 1600, 900));
        r.add(new MigrationSample("direct", 1, 100000, 500, 100, 110, GIB, 700, -1));
        r.add(new MigrationSample("relayed", 1, 100000, 1000, 60, 70, GIB, 1200, 1000));

        assertEquals(java.util.List.of(new MigrationBenchReport.Setting(4000, 1), new MigrationBenchReport.Setting(100000, 1)),
                r.settings());
        assertEquals(1.0, r.throughputRatio(new MigrationBenchReport.Setting(4000, 1)), 1e-9);
        assertEquals(0.5, r.throughputRatio(new MigrationBenchReport.Setting(100000, 1)), 1e-9);
        assertEquals(2, r.downtimeDifferenceMs(new MigrationBenchReport.Setting(4000, 1)), 1e-9);
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        r.print(new java.io.PrintStream(text, true, java.nio.charset.StandardCharsets.UTF_8));
        String printed = text.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(printed.matches("(?s).*\\n1 @4000 +relayed/direct throughput 1\\.000 \\(target >= 0\\.95: met\\).*"), printed);
        assertTrue(printed.matches("(?s).*\\n1 @100000 +relayed/direct throughput 0\\.500 \\(target >= 0\\.95: missed\\).*"), printed);
    }

    @Test
    void shouldHaveNoDaemonCpuWhenDirect() {
        assertTrue(Double.isNaN(new MigrationSample("direct", 1, 100000, 1000, 40, 45, GIB, 1200, -1).daemonCpuSecondsPerGiB()));
        assertEquals(8589.934592, new MigrationSample("direct", 1, 100000, 1000, 40, 45, GIB, 1200, -1).mbps(), 1e-6);
    }

    @Test
    void shouldSayWhatEncryptionCostsWhenThePlainRelayRanToo() {
        MigrationBenchReport r = new MigrationBenchReport();
        r.add(new MigrationSample("direct", 1, 4000, 1000, 10, 25, GIB, 1200, -1));
        r.add(new MigrationSample("relayed", 1, 4000, 1250, 14, 31, GIB, 1500, 900));
        r.add(new MigrationSample("plain", 1, 4000, 1000, 12, 28, GIB, 1300, 600));

        MigrationBenchReport.Setting s = new MigrationBenchReport.Setting(4000, 1);
        assertEquals(0.8, r.throughputRatio("relayed", "plain", s), 1e-9);
        assertEquals(1.0, r.throughputRatio("plain", "direct", s), 1e-9);
        assertEquals(2, r.difference("relayed", "plain", s, MigrationSample::downtimeMs), 1e-9);
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        r.print(new java.io.PrintStream(text, true, java.nio.charset.StandardCharsets.UTF_8));
        String printed = text.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(printed.matches("(?s).*\\nplain +1 @4000 .*"), printed);
        assertTrue(printed.contains("1 @4000          encryption: encrypted/plain throughput 0.800 (plain/direct 1.000),"
                + " downtime encrypted-plain +2 ms, paused +3 ms, vmmd CPU s/GiB encrypted 0.90 / plain 0.60"), printed);
    }

    @Test
    void shouldLeaveTheEncryptionLineOutWithoutPlainSamples() {
        MigrationBenchReport r = new MigrationBenchReport();
        r.add(new MigrationSample("direct", 1, 4000, 1000, 10, 25, GIB, 1200, -1));
        r.add(new MigrationSample("relayed", 1, 4000, 1250, 14, 31, GIB, 1500, 900));
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        r.print(new java.io.PrintStream(text, true, java.nio.charset.StandardCharsets.UTF_8));
        assertFalse(text.toString(java.nio.charset.StandardCharsets.UTF_8).contains("encryption:"));
    }
}
