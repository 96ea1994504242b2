package io.vmflex.vmm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitPartsTest {
    private static final long MS = 1_000_000L;

    @Test
    void shouldAllowBurstThenRateWhenTakingTokens() {
        TokenBucket b = new TokenBucket(10, 3, 0);
        assertTrue(b.tryTake(1, 0));
        assertTrue(b.tryTake(1, 0));
        assertTrue(b.tryTake(1, 0));
        assertFalse(b.tryTake(1, 0));
        assertFalse(b.tryTake(1, 99 * MS), "0.99 tokens after 99 ms at 10/s");
        assertTrue(b.tryTake(1, 100 * MS));
        assertFalse(b.tryTake(1, 100 * MS));
        assertTrue(b.tryTake(3, 10_000 * MS), "refill caps at the burst");
        assertFalse(b.tryTake(1, 10_000 * MS));
    }

    @Test
    void shouldNotTakeAnythingWhenRequestExceedsTokens() {
        TokenBucket b = new TokenBucket(1000, 8192, 0);
        assertFalse(b.tryTake(8193, 0));
        assertTrue(b.tryTake(8192, 0));
    }

    @Test
    void shouldSayExceededOnlyWhenMoreThanMaxFallInWindow() {
        ErrorWindow w = new ErrorWindow(3, 1000 * MS);
        assertFalse(w.recordAndExceeded(0));
        assertFalse(w.recordAndExceeded(10 * MS));
        assertFalse(w.recordAndExceeded(20 * MS));
        assertTrue(w.recordAndExceeded(30 * MS), "4th within 1 s");
        ErrorWindow slow = new ErrorWindow(3, 1000 * MS);
        for (int i = 0; i < 100; i++) {
            assertFalse(slow.recordAndExceeded(i * 400 * MS), "one every 400 ms is 2.5 per second: never more than 3");
        }
    }

    @Test
    void shouldDoubleUpToMaxAndResetWhenBackingOff() {
        ExponentialBackoff b = new ExponentialBackoff(Duration.ofSeconds(10), Duration.ofMinutes(5));
        assertEquals(Duration.ofSeconds(10), b.next());
        assertEquals(Duration.ofSeconds(20), b.next());
        assertEquals(Duration.ofSeconds(40), b.next());
        assertEquals(Duration.ofSeconds(80), b.next());
        assertEquals(Duration.ofSeconds(160), b.next());
        assertEquals(Duration.ofMinutes(5), b.next());
        assertEquals(Duration.ofMinutes(5), b.next());
        b.reset();
        assertEquals(Duration.ofSeconds(10), b.peek());
    }
}
