package io.vmflex.vmm.supervisor;

import io.vmflex.vmm.qemu.QmpOps;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GracefulStopTest {
    /** A QEMU whose guest runs or not, powers off on the button or not; records the steps; a fake clock. */
    private static final class ScriptedQemu implements GracefulStop.Target {
        final List<String> steps = new ArrayList<>();
        boolean running = true;
        boolean buttonFails;
        /** How long after the button the guest powers off; null: never. */
        Duration powersOffAfter;
        long nanos;

        @Override
        public boolean guestRunning() {
            steps.add("status");
            return running;
        }

        @Override
        public void pressPowerButton() throws QmpOps.QmpFailure {
            steps.add("button");
            if (buttonFails) {
                throw new QmpOps.QmpFailure("system_powerdown", null);
            }
        }

        @Override
        public boolean awaitExit(Duration timeout) {
            steps.add("wait " + timeout.toSeconds() + "s");
            boolean exits = powersOffAfter != null && powersOffAfter.compareTo(timeout) <= 0;
            nanos += (exits ? powersOffAfter : timeout).toNanos();
            return exits;
        }

        @Override
        public void stopNow() {
            steps.add("stop");
        }
    }

    @Test
    void shouldPressTheButtonAndNotStopQemuWhenTheGuestPowersOffWithinTheGrace() {
        ScriptedQemu q = new ScriptedQemu();
        q.powersOffAfter = Duration.ofMillis(1500);
        GracefulStop.Outcome o = GracefulStop.run(q, Duration.ofSeconds(5), () -> q.nanos);
        assertEquals(List.of("status", "button", "wait 5s"), q.steps);
        assertEquals(new GracefulStop.PoweredOff(Duration.ofMillis(1500)), o);
    }

    @Test
    void shouldStopQemuAfterTheGraceWhenTheGuestIgnoresTheButton() {
        ScriptedQemu q = new ScriptedQemu();
        GracefulStop.Outcome o = GracefulStop.run(q, Duration.ofSeconds(3), () -> q.nanos);
        assertEquals(List.of("status", "button", "wait 3s", "stop"), q.steps);
        var stopped = assertInstanceOf(GracefulStop.StoppedNow.class, o);
        assertEquals(Duration.ofSeconds(3), stopped.took());
        assertTrue(stopped.why().contains("did not power off within 3 s"), stopped.why());
    }

    @Test
    void shouldStopAtOnceWhenThePausedGuestCannotActOnTheButton() {
        ScriptedQemu q = new ScriptedQemu();
        q.running = false;
        assertInstanceOf(GracefulStop.StoppedNow.class, GracefulStop.run(q, Duration.ofSeconds(5), () -> q.nanos));
        assertEquals(List.of("status", "stop"), q.steps);
    }

    @Test
    void shouldStopAtOnceWhenTheButtonCannotBePressed() {
        ScriptedQemu q = new ScriptedQemu();
        q.buttonFails = true;
        assertInstanceOf(GracefulStop.StoppedNow.class, GracefulStop.run(q, Duration.ofSeconds(5), () -> q.nanos));
        assertEquals(List.of("status", "button", "stop"), q.steps);
    }

    @Test
    void shouldNotPressTheButtonWithAGraceOfZero() {
        ScriptedQemu q = new ScriptedQemu();
        q.powersOffAfter = Duration.ZERO;
        assertInstanceOf(GracefulStop.StoppedNow.class, GracefulStop.run(q, Duration.ZERO, () -> q.nanos));
        assertEquals(List.of("stop"), q.steps);
    }
}
