package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.Condition;
import io.vmflex.vmm.console.GuestIncident;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestHealthTest {
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");
    private static final GuestIncident.OomKill OOM = new GuestIncident.OomKill("Killed process 42 (postgres)", 42,
            "postgres", false);
    private static final GuestIncident.KernelPanic PANIC = new GuestIncident.KernelPanic(
            "Kernel panic - not syncing: System is deadlocked on memory", "System is deadlocked on memory");

    @Test
    void shouldCarryNoConditionsForAGuestThatNeverHadAnIncident() {
        assertEquals(List.of(), GuestHealth.NONE.conditions());
        assertEquals(List.of(), GuestHealth.NONE.restarted(T0).conditions());
        assertNull(GuestHealth.NONE.stopReason());
    }

    @Test
    void shouldCountOomKillsUntilQemuStartsAgain() {
        GuestHealth h = GuestHealth.NONE.seen(OOM, T0).seen(OOM, T0.plusSeconds(5));
        Condition oom = h.conditions().getFirst();
        assertEquals(Condition.of("GuestOOMKilled", true, "OutOfMemory",
                "2 OOM kill(s) since start; last: postgres (pid 42)", T0.plusSeconds(5)), oom);

        GuestHealth restarted = h.restarted(T0.plusSeconds(60));
        assertEquals(Condition.of("GuestOOMKilled", false, "Restarted", "no OOM kill since QEMU was started again",
                T0.plusSeconds(60)), restarted.conditions().getFirst());
        assertEquals(T0.plusSeconds(60), restarted.restarted(T0.plusSeconds(90)).conditions().getFirst().lastTransitionTime(),
                "a second restart is no transition");
        assertTrue(restarted.seen(OOM, T0.plusSeconds(99)).conditions().getFirst().message().startsWith("1 OOM kill(s)"));
    }

    @Test
    void shouldSayThePanicIsWhyTheGuestStopped() {
        GuestHealth h = GuestHealth.NONE.seen(PANIC, T0);
        assertEquals("the guest's kernel panicked: System is deadlocked on memory", h.stopReason());
        assertEquals("True", h.conditions().getFirst().status());
        assertNull(h.restarted(T0.plusSeconds(1)).stopReason());
    }
}
