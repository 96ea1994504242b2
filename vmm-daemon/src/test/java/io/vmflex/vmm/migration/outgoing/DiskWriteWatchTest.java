package io.vmflex.vmm.migration.outgoing;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.vmflex.vmm.migration.qemu.DiskMirror;

class DiskWriteWatchTest {
    private static final long S = 1_000_000_000L;
    private final DiskWriteWatch watch = new DiskWriteWatch(Duration.ofSeconds(5));

    private ProgressWatch.Verdict at(long seconds, long done, long total) {
        return watch.observe(seconds * S, new DiskMirror.JobProgress(done, total));
    }

    @Test
    void shouldGiveUpWhenAWriteWaitsLongerThanTheLimit() {
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(0, 1000, 1000));
        // A write starts at 10 s and the target never answers it.
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(10, 1000, 1000 + 65536));
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(15, 1000, 1000 + 65536));
        ProgressWatch.Verdict v = at(16, 1000, 1000 + 65536);
        ProgressWatch.Verdict.GiveUp g = assertInstanceOf(ProgressWatch.Verdict.GiveUp.class, v);
        assertEquals("DiskStalled", g.reason());
        assertTrue(g.message().contains("6.0 s") && g.message().contains("64 KiB outstanding"), g.message());
    }

    @Test
    void shouldNotCountIdleTimeWithNothingOutstanding() {
        // Minutes without guest writes, then a write that the target answers within a second.
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(0, 500, 500));
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(300, 500, 500));
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(301, 500, 4596));
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(302, 4596, 4596));
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(400, 4596, 4596));
    }

    @Test
    void shouldKeepGoingWhileASlowLinkKeepsAnsweringABurst() {
        // A long burst over a slow link: always something outstanding, but the target keeps acknowledging.
        long done = 0;
        for (int t = 0; t < 60; t++) {
            done += 1 << 20;
            assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(t, done, done + (64L << 20)), "at " + t + " s");
        }
        // Then the link stalls after the last acknowledgement at 59 s: at 64 s that is still the limit, after it not.
        assertInstanceOf(ProgressWatch.Verdict.KeepGoing.class, at(64, done, done + (64L << 20)));
        assertInstanceOf(ProgressWatch.Verdict.GiveUp.class, at(65, done, done + (64L << 20)));
    }
}
