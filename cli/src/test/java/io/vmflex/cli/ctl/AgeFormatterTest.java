package io.vmflex.cli.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AgeFormatterTest {

    @Test
    void shouldShowSecondsWhenYoungerThanTwoMinutes() {
        assertEquals("5s", AgeFormatter.format(Duration.ofSeconds(5)));
        assertEquals("119s", AgeFormatter.format(Duration.ofSeconds(119)));
    }

    @Test
    void shouldShowMinutesAndSecondsWhenYoungerThanTenMinutes() {
        assertEquals("3m", AgeFormatter.format(Duration.ofMinutes(3)));
        assertEquals("4m30s", AgeFormatter.format(Duration.ofSeconds(270)));
    }

    @Test
    void shouldShowWholeUnitsWhenOlder() {
        assertEquals("42m", AgeFormatter.format(Duration.ofSeconds(42 * 60 + 59)));
        assertEquals("179m", AgeFormatter.format(Duration.ofMinutes(179)));
        assertEquals("3h15m", AgeFormatter.format(Duration.ofMinutes(195)));
        assertEquals("30h", AgeFormatter.format(Duration.ofHours(30)));
        assertEquals("4d", AgeFormatter.format(Duration.ofDays(4)));
        assertEquals("4d2h", AgeFormatter.format(Duration.ofHours(98)));
        assertEquals("100d", AgeFormatter.format(Duration.ofDays(100)));
        assertEquals("3y10d", AgeFormatter.format(Duration.ofDays(3 * 365 + 10)));
        assertEquals("9y", AgeFormatter.format(Duration.ofDays(9 * 365 + 3)));
    }

    @Test
    void shouldNotGoNegativeWhenClocksDisagreeSlightly() {
        assertEquals("0s", AgeFormatter.format(Duration.ofMillis(-900)));
        assertEquals("<invalid>", AgeFormatter.format(Duration.ofSeconds(-30)));
    }

    @Test
    void shouldMeasureFromTimestampWhenGivenRfc3339() {
        Instant now = Instant.parse("2026-11-21T19:10:00Z");
        assertEquals("90s", AgeFormatter.since("2026-11-21T19:08:30Z", now));
        assertEquals("120m", AgeFormatter.since("2026-11-21T19:10:00+02:00", now));
        assertEquals("<unknown>", AgeFormatter.since(null, now));
        assertEquals("<unknown>", AgeFormatter.since("yesterday", now));
    }
}
