package io.vmflex.vmm.supervisor;

import io.vmflex.vmm.supervisor.RunStateRule.Action;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class RunStateRuleTest {
    @Test
    void shouldDoNothingWhenTheGuestRuns() {
        // Whatever else holds: a running guest is never touched.
        assertEquals(new Action.Running(), RunStateRule.decide("running", true, "active"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"paused", "postmigrate"})
    void shouldResumeWhenPausedAndNoMigrationRuns(String runState) {
        for (String ended : new String[] {"none", "completed", "failed", "cancelled"}) {
            assertEquals(new Action.Resume(runState), RunStateRule.decide(runState, false, ended), ended);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"paused", "postmigrate", "finish-migrate"})
    void shouldNotResumeWhileAnInterruptedMigrationIsUnsettled(String runState) {
        // The target may run the VM: resuming here could run the guest twice.
        Action a = RunStateRule.decide(runState, true, "completed");
        assertInstanceOf(Action.Leave.class, a);
        assertEquals(runState, ((Action.Leave) a).runState());
    }

    @ParameterizedTest
    @ValueSource(strings = {"setup", "active", "device", "pre-switchover", "wait-unplug"})
    void shouldCancelAMigrationQemuStillRunsWithNobodyDrivingIt(String migration) {
        assertEquals(new Action.CancelMigration(migration), RunStateRule.decide("paused", false, migration));
        assertEquals(new Action.CancelMigration(migration), RunStateRule.decide("finish-migrate", false, migration));
    }

    @Test
    void shouldWaitWhileQemuCancelsAMigration() {
        assertInstanceOf(Action.Leave.class, RunStateRule.decide("paused", false, "cancelling"));
    }

    @Test
    void shouldLeaveFinishMigrateOnceTheMigrationEnded() {
        // QEMU itself moves on from finish-migrate when the migration ends; cont would race it.
        assertInstanceOf(Action.Leave.class, RunStateRule.decide("finish-migrate", false, "cancelled"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"inmigrate", "prelaunch", "io-error", "internal-error", "guest-panicked", "suspended",
            "shutdown", "watchdog", "debug"})
    void shouldLeaveRunStatesNoMigrationLeaves(String runState) {
        Action a = RunStateRule.decide(runState, false, "none");
        assertInstanceOf(Action.Leave.class, a);
        assertEquals(runState, ((Action.Leave) a).runState());
    }
}
