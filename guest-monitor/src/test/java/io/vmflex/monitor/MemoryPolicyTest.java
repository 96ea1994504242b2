package io.vmflex.monitor;

import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import org.junit.jupiter.api.Test;

import static io.vmflex.monitor.MemoryPolicy.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryPolicyTest {
    private static final long SECOND = 1_000_000_000L;

    /** MemTotal 1000 MiB: threshold 0.85 × 900 MiB = 765 MiB. */
    private static GuestStats used(long usedMib) {
        return new GuestStats(1, 0, 0, 0, 1000 * MIB, (1000 - usedMib) * MIB, 0, 0, 0, 0, 0, GuestStats.CpuTicks.NONE);
    }

    @Test
    void shouldPlaceThresholdAt85PercentOfTotalMinusHeadroom() {
        assertEquals((long) (0.85 * 900 * MIB), MemoryPolicy.upscaleThresholdBytes(1000 * MIB));
        assertEquals(0, MemoryPolicy.upscaleThresholdBytes(50 * MIB));
    }

    @Test
    void shouldNotRequestUpscaleWhenUsageIsBelowThreshold() {
        MemoryPolicy p = new MemoryPolicy();

        assertFalse(p.shouldRequestUpscale(used(765), 0));
    }

    @Test
    void shouldRequestUpscaleAtMostOncePerSecondWhenUnderPressure() {
        MemoryPolicy p = new MemoryPolicy();
        long t = 5 * SECOND;

        assertTrue(p.shouldRequestUpscale(used(766), t));
        assertFalse(p.shouldRequestUpscale(used(900), t + SECOND / 2));
        assertFalse(p.shouldRequestUpscale(used(900), t + SECOND - 1));
        assertTrue(p.shouldRequestUpscale(used(900), t + SECOND));
        assertFalse(p.shouldRequestUpscale(used(900), t + SECOND + 10));
    }

    @Test
    void shouldRequestAtOnceWhenPressureReturnsAfterALongQuietTime() {
        MemoryPolicy p = new MemoryPolicy();

        assertTrue(p.shouldRequestUpscale(used(800), 0));
        assertFalse(p.shouldRequestUpscale(used(100), 3 * SECOND));
        assertTrue(p.shouldRequestUpscale(used(800), 10 * SECOND));
    }

    @Test
    void shouldUseCgroupAnonWhenItExceedsMeminfoUsage() {
        MemoryPolicy p = new MemoryPolicy();
        GuestStats s = new GuestStats(1, 0, 0, 0, 1000 * MIB, 900 * MIB, 0, 800 * MIB, 0, 0, 0, GuestStats.CpuTicks.NONE);

        assertTrue(p.shouldRequestUpscale(s, 0));
    }

    @Test
    void shouldRefuseDownscaleWhenTargetLeavesLessThanHeadroomAboveUsage() {
        GuestMessage.DownscaleResult r = MemoryPolicy.decideDownscale(8, new Resources(1000, 399 * MIB), used(300));

        assertEquals(8, r.id());
        assertFalse(r.ok());
        assertTrue(r.status().contains("399.0 MiB < used 300.0 MiB + 100.0 MiB"), r.status());
    }

    @Test
    void shouldApproveDownscaleWhenTargetCoversUsagePlusHeadroom() {
        GuestMessage.DownscaleResult r = MemoryPolicy.decideDownscale(10, new Resources(1000, 400 * MIB), used(300));

        assertEquals(10, r.id());
        assertTrue(r.ok(), r.status());
    }

    @Test
    void shouldPrintMibLikePercentPointOneFWhenFormattingStatus() {
        for (long bytes : new long[] {0, 1, MIB / 20, MIB / 20 * 3, 399 * MIB, 51 * MIB + MIB / 4, 51 * MIB + MIB / 4 - 1,
                (1L << 40) + 12345, 7 * MIB / 3}) {
            assertEquals(String.format(java.util.Locale.ROOT, "%.1f", bytes / (double) MIB), MemoryPolicy.mib(bytes),
                    Long.toString(bytes));
        }
    }
}
