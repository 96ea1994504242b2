package io.vmflex.vmm.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.vmm.qemu.QmpOps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The supervisor observes QEMU's run state like everything else and resumes a guest that a migration
 * left paused, unless the migration's outcome is not settled. Steps are driven with
 * {@link VmSupervisor#reconcileNow}, so "within one step" holds whatever the background ticks did.
 */
class VmSupervisorRunStateTest {
    private static final long WAIT_SECONDS = 20;

    @TempDir
    Path dir;

    private SupervisedVm vm;

    @BeforeEach
    void start() throws Exception {
        vm = new SupervisedVm(dir);
    }

    @AfterEach
    void stop() {
        vm.close();
    }

    /** A migration that does what {@code body} says on the supervisor's thread and stays (returns false). */
    private static final class ScriptedDeparture implements Departure {
        interface Body {
            void run(HandedVm vm, CountDownLatch cancelled) throws Exception;
        }

        private final Body body;
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch cancelled = new CountDownLatch(1);

        ScriptedDeparture(Body body) {
            this.body = body;
        }

        @Override
        public UUID id() {
            return UUID.nameUUIDFromBytes(new byte[] {1});
        }

        @Override
        public String target() {
            return "node-b:7500";
        }

        @Override
        public boolean run(HandedVm handed, Consumer<MigrationStatus> onStatus) {
            started.countDown();
            try {
                body.run(handed, cancelled);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return false;
        }

        @Override
        public void cancel(String why) {
            cancelled.countDown();
        }

        @Override
        public boolean onQmpEvent(String event, JsonNode data) {
            return false;
        }
    }

    /** QEMU completed the stream (guest paused in postmigrate), the commit failed, and the rollback's one cont timed out. */
    private ScriptedDeparture failedRollBack() {
        return new ScriptedDeparture((handed, cancelled) -> {
            vm.qemu.runState("postmigrate");
            vm.qemu.contTimesOut(1);
            try {
                handed.ops().call("cont", null);
            } catch (QmpOps.QmpFailure e) {
                // the rollback tries once and gives up, as RollBack does
            }
        });
    }

    private void reconcileOnce() throws Exception {
        vm.supervisor.reconcileNow().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private String readyReason() {
        return vm.supervisor.snapshot().status().conditions().getFirst().reason();
    }

    @Test
    void shouldResumeAGuestAFailedRollBackLeftPausedWithinOneReconcileStep() throws Exception {
        assertFalse(vm.supervisor.migrateOut(failedRollBack()).get(WAIT_SECONDS, TimeUnit.SECONDS));

        reconcileOnce();

        assertEquals("running", vm.qemu.runState());
        assertEquals(2, vm.qemu.count("cont"), "the rollback's cont, then the supervisor's");
        assertEquals(1, vm.eventCount("GuestResumed"));
    }

    @Test
    void shouldLeaveTheGuestPausedWhileAnInterruptedMigrationIsUnsettled() throws Exception {
        // The daemon stopped with the commit's answer lost: the target may run the VM.
        Files.writeString(vm.store.paths(SupervisedVm.NAME).outgoingMarker(), "{}");

        assertFalse(vm.supervisor.migrateOut(failedRollBack()).get(WAIT_SECONDS, TimeUnit.SECONDS));
        reconcileOnce();
        reconcileOnce();

        assertEquals("postmigrate", vm.qemu.runState());
        assertEquals(1, vm.qemu.count("cont"), "only the rollback's");
        assertEquals("GuestPaused", readyReason());
    }

    @Test
    void shouldCancelAMigrationNobodyDrivesThenResume() throws Exception {
        // A rollback whose migrate_cancel timed out: QEMU still migrates, to a relay that is gone.
        ScriptedDeparture lostCancel = new ScriptedDeparture((handed, cancelled) -> {
            vm.qemu.runState("paused");
            vm.qemu.migration("active");
        });
        assertFalse(vm.supervisor.migrateOut(lostCancel).get(WAIT_SECONDS, TimeUnit.SECONDS));

        reconcileOnce();
        reconcileOnce();

        assertEquals(1, vm.qemu.count("migrate_cancel"));
        assertEquals("running", vm.qemu.runState());
    }

    @Test
    void shouldLetACancelledMigrationRollBackWhenTheDaemonStops() throws Exception {
        // The rollback after the daemon's cancel takes longer than a detach used to wait (5 s): QEMU is
        // slow to answer migrate_cancel. Interrupted, it would never send its cont.
        vm.qemu.delay("migrate_cancel", Duration.ofSeconds(6));
        ScriptedDeparture slowRollBack = new ScriptedDeparture((handed, cancelled) -> {
            vm.qemu.runState("postmigrate");
            cancelled.await();
            handed.ops().call("migrate_cancel", null);
            handed.ops().call("cont", null);
        });
        vm.supervisor.migrateOut(slowRollBack);
        assertTrue(slowRollBack.started.await(WAIT_SECONDS, TimeUnit.SECONDS));

        vm.supervisor.detach();

        assertEquals("running", vm.qemu.runState());
    }
}
