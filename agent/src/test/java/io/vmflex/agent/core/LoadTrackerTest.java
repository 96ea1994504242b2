package io.vmflex.agent.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadTrackerTest {

    /** The kernel's update, rounded to the two decimals /proc/loadavg shows. */
    private static double update(double load, int runnable) {
        return Math.round((load * LoadTracker.DECAY + runnable * (1 - LoadTracker.DECAY)) * 100) / 100.0;
    }

    @Test
    void shouldReadTheRunnableTasksOutOfOneUpdateOfTheAverage() {
        LoadTracker t = LoadTracker.NONE.seen(0.30, 0);
        assertTrue(Double.isNaN(t.runnable()), "one value says nothing yet");
        t = t.seen(update(0.30, 2), 5_000);
        assertEquals(2, t.runnable(), 0.15, "a load step to 2 tasks, seen at the first update");
        t = t.seen(update(t.load1(), 0), 10_000);
        assertEquals(0, t.runnable(), 0.15, "the load is gone at the next update, not a minute later");
    }

    @Test
    void shouldTakeAnAverageThatStaysPutThroughAnUpdateAsItsOwnCount() {
        LoadTracker t = LoadTracker.NONE.seen(2.00, 0);
        assertSame(t, t.seen(2.00, 3_000), "no update yet");
        assertEquals(2.0, t.seen(2.00, 6_000).runnable());
    }

    @Test
    void shouldIgnoreWhatIsNotALoad() {
        LoadTracker t = LoadTracker.NONE.seen(1.0, 0);
        assertSame(t, t.seen(Double.NaN, 1_000));
        assertSame(t, t.seen(-3, 1_000));
        assertEquals(0, t.seen(0.5, 5_000).runnable(), "a drop faster than the decay is read as none, not negative");
    }
}
