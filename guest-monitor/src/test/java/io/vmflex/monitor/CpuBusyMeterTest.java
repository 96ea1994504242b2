package io.vmflex.monitor;

import io.vmflex.api.guest.GuestMessage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CpuBusyMeterTest {

    @Test
    void shouldGiveTheBusyShareBetweenTwoReadingsAndNothingBeforeTheSecond() {
        CpuBusyMeter meter = new CpuBusyMeter();

        assertEquals(GuestMessage.Metrics.CPU_BUSY_UNKNOWN, meter.next(new GuestStats.CpuTicks(1_000, 4_000)));
        assertEquals(0.25, meter.next(new GuestStats.CpuTicks(1_050, 4_200)), 1e-9);
        assertEquals(1.0, meter.next(new GuestStats.CpuTicks(1_250, 4_400)), 1e-9);
    }

    @Test
    void shouldSayUnknownWhenNoTickPassedOrTheCountersWentBackOrCannotBeRead() {
        CpuBusyMeter meter = new CpuBusyMeter();
        meter.next(new GuestStats.CpuTicks(1_000, 4_000));

        assertEquals(GuestMessage.Metrics.CPU_BUSY_UNKNOWN, meter.next(new GuestStats.CpuTicks(1_000, 4_000)));
        assertEquals(GuestMessage.Metrics.CPU_BUSY_UNKNOWN, meter.next(new GuestStats.CpuTicks(900, 4_100)));
        assertEquals(GuestMessage.Metrics.CPU_BUSY_UNKNOWN, meter.next(GuestStats.CpuTicks.NONE));
        assertEquals(GuestMessage.Metrics.CPU_BUSY_UNKNOWN, meter.next(new GuestStats.CpuTicks(10, 40)));
        assertEquals(0.5, meter.next(new GuestStats.CpuTicks(20, 60)), 1e-9);
    }
}
