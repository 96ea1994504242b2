package io.vmflex.vmm.migration.outgoing;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class ProgressWatchTest {
    private static final long S = 1_000_000_000L;
    private static final long MIB = 1L << 20;
    private static final MigrationTimeouts LIMITS = new MigrationTimeouts(Duration.ofSeconds(100), Duration.ofSeconds(10));

    @Test
    void shouldKeepGoingWhenTransferredGrowsAlthoughRemainingRises() {
        ProgressWatch w = new ProgressWatch(LIMITS, 512 * MIB, 0);
        for (int t = 0; t < 60; t++) {
            // A guest that dirties pages: remaining climbs, but bytes keep flowing.
            var v = w.observe(t * S, t * 10 * MIB, 100 * MIB + t * MIB);
            assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, v, "at " + t + " s");
        }
    }

    @Test
    void shouldGiveUpWithProgressTimeoutWhenNothingMovesLongerThanTheLimit() {
        ProgressWatch w = new ProgressWatch(LIMITS, 512 * MIB, 0);
        w.observe(S, 50 * MIB, 200 * MIB);
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, w.observe(11 * S, 50 * MIB, 200 * MIB));
        var v = assertInstanceOf(ProgressWatch.Verdict.GiveUp.class, w.observe(11 * S + 1, 50 * MIB, 200 * MIB));
        assertEquals("ProgressTimeout", v.reason());
    }

    @Test
    void shouldCountANewLowOfRemainingAsProgress() {
        ProgressWatch w = new ProgressWatch(LIMITS, 512 * MIB, 0);
        w.observe(0, 50 * MIB, 200 * MIB);
        w.observe(9 * S, 50 * MIB, 199 * MIB);
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, w.observe(18 * S, 50 * MIB, 199 * MIB));
    }

    @Test
    void shouldGiveUpWithCompletionTimeoutScaledByGibWhenProgressNeverEnds() {
        ProgressWatch w = new ProgressWatch(LIMITS, 3 * 1024 * MIB + 1, 0);
        for (int t = 0; t <= 400; t++) {
            assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, w.observe(t * S, t * MIB, MIB), "at " + t + " s");
        }
        var v = assertInstanceOf(ProgressWatch.Verdict.GiveUp.class, w.observe(401 * S, 401 * MIB, MIB));
        assertEquals("CompletionTimeout", v.reason());
    }
}
