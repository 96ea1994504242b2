package io.vmflex.vmm.console;

import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class IncidentReporterTest {
    private static final GuestIncident OOM = new GuestIncident.OomKill(
            "[ 42.1] Out of memory: Killed process 312 (postgres) total-vm:1183552kB", 312, "postgres", false);

    private static final class StepClock extends Clock {
        long millis;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    @Test
    void shouldWarnOncePerKindPerTenSecondsAndCountWhatItHeldBack() {
        EventBus events = new EventBus(100);
        StepClock clock = new StepClock();
        IncidentReporter reporter = new IncidentReporter("pg", events, clock);

        reporter.report(OOM);
        for (int i = 0; i < 50; i++) {
            clock.millis += 100;
            reporter.report(OOM); // a guest printing OOM lines in a loop
        }
        reporter.report(new GuestIncident.KernelPanic("Kernel panic - not syncing: Out of memory", "Out of memory"));
        clock.millis = 10_001;
        reporter.report(OOM);

        List<VmEvent> seen = events.recent();
        assertEquals(List.of("GuestOOMKilled", "GuestKernelPanic", "GuestOOMKilled"),
                seen.stream().map(VmEvent::reason).toList());
        assertEquals(VmEvent.Type.Warning, seen.getFirst().type());
        assertTrue(seen.getFirst().message().startsWith("the guest's kernel killed postgres (pid 312): the guest ran out of memory"),
                seen.getFirst().message());
        assertTrue(seen.get(2).message().contains("(50 more since the last report)"), seen.get(2).message());
    }
}
