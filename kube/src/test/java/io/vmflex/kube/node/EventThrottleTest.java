package io.vmflex.kube.node;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class EventThrottleTest {
    private static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");
    private static final ObjectKey VM = new ObjectKey("demo", "vm-a");

    private static EventThrottle.Key key(String message) {
        return new EventThrottle.Key(VM, "Normal", "Scaled", message);
    }

    @Test
    void shouldCountARepeatOnTheSameEventInsteadOfAddingOne() {
        EventThrottle t = new EventThrottle();
        String name = assertInstanceOf(EventThrottle.Create.class, t.offer(key("to 2"), T0)).name();
        assertEquals(new EventThrottle.Repeat(name, 2, T0), t.offer(key("to 2"), T0.plusSeconds(1)));
        assertNotEquals(name, assertInstanceOf(EventThrottle.Create.class, t.offer(key("to 3"), T0.plusSeconds(2))).name());
        // after the window, the same event starts a new Event
        assertInstanceOf(EventThrottle.Create.class, t.offer(key("to 2"), T0.plus(EventThrottle.SAME_WINDOW).plusSeconds(5)));
    }

    @Test
    void shouldDropOverTheBurstAndRefillWithTime() {
        EventThrottle t = new EventThrottle();
        for (int i = 0; i < EventThrottle.BURST; i++) {
            assertInstanceOf(EventThrottle.Create.class, t.offer(key("m" + i), T0));
        }
        assertEquals(new EventThrottle.Drop(1), t.offer(key("over"), T0));
        assertInstanceOf(EventThrottle.Create.class, t.offer(key("later"), T0.plus(EventThrottle.REFILL)));
        assertInstanceOf(EventThrottle.Drop.class, t.offer(key("again"), T0.plus(EventThrottle.REFILL)));
        // another VM has its own bucket
        assertInstanceOf(EventThrottle.Create.class, t.offer(new EventThrottle.Key(new ObjectKey("demo", "vm-b"), "Normal", "X", "y"), T0));
    }
}
