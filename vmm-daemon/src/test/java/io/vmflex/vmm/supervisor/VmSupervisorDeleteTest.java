package io.vmflex.vmm.supervisor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A delete presses the ACPI power button and waits up to {@code spec.terminationGracePeriodSeconds}
 * for QEMU to exit by itself before it stops QEMU. The "QEMU" is a real process (a sleep) and QMP a
 * {@link FakeQemu}, whose {@code system_powerdown} ends that process as a guest powering off does.
 */
class VmSupervisorDeleteTest {
    private static final long WAIT_SECONDS = 20;

    @TempDir
    Path dir;

    private SupervisedVm vm;

    @AfterEach
    void stop() {
        if (vm != null) {
            vm.close();
        }
    }

    @Test
    void shouldLetTheGuestPowerOffOnTheButtonWithoutQuittingQemu() throws Exception {
        vm = new SupervisedVm(dir, "  terminationGracePeriodSeconds: 30\n");
        Process qemu = vm.qemuProcess();
        vm.qemu.onPowerdown(qemu::destroy);

        long start = System.nanoTime();
        vm.supervisor.delete().get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertTrue(qemu.waitFor(5, TimeUnit.SECONDS), "QEMU still runs after delete()");
        assertEquals(1, vm.qemu.count("system_powerdown"));
        assertEquals(0, vm.qemu.count("quit"), "QEMU exited by itself");
        assertEquals(1, vm.eventCount("PoweredOff"));
        assertEquals(0, vm.eventCount("StoppedWithoutShutdown"));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10, "did not wait out the grace");
    }

    @Test
    void shouldStopQemuAfterTheGracePeriodWhenTheGuestIgnoresTheButton() throws Exception {
        vm = new SupervisedVm(dir, "  terminationGracePeriodSeconds: 2\n");
        Process qemu = vm.qemuProcess();
        vm.qemu.onQuit(qemu::destroy);

        long start = System.nanoTime();
        vm.supervisor.delete().get(WAIT_SECONDS, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertTrue(qemu.waitFor(5, TimeUnit.SECONDS), "QEMU still runs after delete()");
        assertEquals(1, vm.qemu.count("system_powerdown"));
        assertEquals(1, vm.qemu.count("quit"));
        assertEquals(1, vm.eventCount("StoppedWithoutShutdown"));
        assertTrue(took.toMillis() >= 2000, "stopped before the grace period ended: " + took);
    }

    @Test
    void shouldStopAPanickedGuestAtOnce() throws Exception {
        vm = new SupervisedVm(dir, "  terminationGracePeriodSeconds: 30\n");
        Process qemu = vm.qemuProcess();
        vm.qemu.runState("guest-panicked");
        vm.qemu.onQuit(qemu::destroy);

        vm.supervisor.delete().get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertTrue(qemu.waitFor(5, TimeUnit.SECONDS), "QEMU still runs after delete()");
        assertEquals(0, vm.qemu.count("system_powerdown"));
        assertEquals(1, vm.qemu.count("quit"));
    }
}
