package io.vmflex.cli.bench;

import io.vmflex.cli.bench.AutoscaleAnalysis.LoadRun;
import io.vmflex.cli.bench.AutoscaleAnalysis.MemoryRun;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoscaleReportTest {

    private static LoadRun load(int run, boolean valid, long upMs, long downMs, int extra) {
        return new LoadRun(run, valid, upMs < 0 ? OptionalLong.empty() : OptionalLong.of(upMs),
                upMs < 0 ? OptionalLong.empty() : OptionalLong.of(upMs / 2), OptionalLong.of(downMs), extra, extra,
                "0.30", 0.5, true);
    }

    private static MemoryRun memory(int run, long requestMs) {
        return new MemoryRun(run, true, requestMs < 0 ? OptionalLong.empty() : OptionalLong.of(requestMs),
                requestMs < 0 ? OptionalLong.empty() : OptionalLong.of(100), OptionalLong.of(2_000),
                OptionalLong.of(900), requestMs >= 0, requestMs < 0, true);
    }

    @Test
    void shouldTakeNearestRankPercentilesThatAreAlwaysSamples() {
        List<Long> ten = List.of(10L, 1L, 9L, 2L, 8L, 3L, 7L, 4L, 6L, 5L);
        assertEquals(OptionalLong.of(5), Percentile.of(ten, 50), "the 5th of 10");
        assertEquals(OptionalLong.of(10), Percentile.of(ten, 95));
        assertEquals(OptionalLong.of(1), Percentile.of(ten, 1));
        List<Long> twenty = java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList();
        assertEquals(OptionalLong.of(19), Percentile.of(twenty, 95), "0.95 x 20 is 19 exactly, not 20");
        assertEquals(OptionalLong.of(7), Percentile.of(List.of(7L), 50));
        assertEquals(OptionalLong.empty(), Percentile.of(List.of(), 50));
        assertThrows(IllegalArgumentException.class, () -> Percentile.of(ten, 0));
    }

    @Test
    void shouldCompareTheRuleSetsOverValidRunsOnlyAndSayWhichTargetsWereMet() {
        AutoscaleReport r = new AutoscaleReport();
        r.load("vmflex", List.of(load(1, true, 1_200, 22_000, 0), load(2, true, 1_800, 23_000, 0), load(3, true, 1_500, 21_000, 0),
                load(4, false, 90_000, 21_000, 5)));
        r.load("neon", List.of(load(1, true, 30_000, 50_000, 0), load(2, true, -1, 60_000, 0), load(3, true, 40_000, 55_000, 0)));
        r.memory("vmflex", List.of(memory(1, 700), memory(2, 900), memory(3, -1)));

        assertEquals(OptionalLong.of(1_500), r.upP50("vmflex"), "the run before the monitor connected is left out");
        assertEquals(OptionalLong.of(30_000), r.upP50("neon"), "a missed upscale is no sample");
        assertEquals(20.0, r.upRatio(), 1e-9);

        ByteArrayOutputStream text = new ByteArrayOutputStream();
        r.print(new PrintStream(text, true, StandardCharsets.UTF_8));
        String printed = text.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("load step p50 vmflex: 1500 ms (target <= 2000 ms: met)"), printed);
        assertTrue(printed.contains("load step p50 neon/vmflex: 20.0x (target >= 3x: met)"), printed);
        assertTrue(printed.contains("vmflex: back to minimum p95 23000 ms (target <= 120000 ms: met); resizes back and forth under"
                + " steady load: 0 (target 0: met)"), printed);
        assertTrue(printed.contains("vmflex: memory plugged after the monitor's request p50 700 ms (target <= 1000 ms: met)"), printed);
        assertTrue(printed.matches("(?s).*\\nneon +load step -> 2nd vCPU online +2 +30000 +40000 +1\\n.*"), printed);
        assertTrue(printed.matches("(?s).*\\nneon +  of which: load step -> vCPU plugged \\(host\\) +2 +15000 +20000 +1\\n.*"), printed);
        assertTrue(printed.contains("1 runs left out"), printed);
        assertTrue(printed.contains("monitor asked in 2, agent upscaled on metrics before any request in 1"), printed);
    }

    @Test
    void shouldWriteOneCsvLinePerRunWithEmptyCellsForWhatWasMissed() {
        AutoscaleReport r = new AutoscaleReport();
        r.load("neon", List.of(load(1, true, -1, 50_000, 0)));
        r.memory("neon", List.of(memory(1, 650)));

        String[] lines = r.csv().split("\n");

        assertEquals(3, lines.length);
        int columns = lines[0].split(",", -1).length;
        assertEquals("neon,load,1,true,,,50000,0,0,0.30,0.50,,,,,,", lines[1]);
        assertEquals("neon,memory,1,true,,,,,,,,650,100,2000,900,true,false", lines[2]);
        assertEquals(columns, lines[1].split(",", -1).length);
        assertEquals(columns, lines[2].split(",", -1).length);
    }
}
