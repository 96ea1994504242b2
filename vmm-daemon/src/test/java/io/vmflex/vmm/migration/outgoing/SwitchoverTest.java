package io.vmflex.vmm.migration.outgoing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SwitchoverTest {

    @Test
    void shouldAddTheDaemonsReactionAndTheTargetsResumeToQemusDowntime() {
        // 40 ms QEMU downtime, 3.4 ms until the commit left, 6.2 ms on the target until cont returned
        assertEquals(50, Commit.switchoverMs(40, 3_400_000, 6_200));
    }

    @Test
    void shouldReportNothingWhenTheTargetDoesNotSayWhenItResumed() {
        // an older target daemon answers the commit without resumedInMicros
        assertEquals(0, Commit.switchoverMs(40, 3_400_000, -1));
    }
}
