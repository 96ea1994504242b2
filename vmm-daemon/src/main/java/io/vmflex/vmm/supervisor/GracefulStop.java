package io.vmflex.vmm.supervisor;

import io.vmflex.vmm.qemu.QmpOps;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Stopping a VM the way a person at the machine would: press the ACPI power button, give the guest
 * up to its grace period ({@code spec.terminationGracePeriodSeconds}) to shut down and power off
 * (QEMU then exits by itself), and only then stop QEMU outright. A guest that cannot act on the
 * button now (paused, or QMP unreachable) or a grace of zero is stopped at once: waiting would only
 * delay the same end.
 *
 * <p>The steps are sequenced here over a {@link Target}; the I/O is the target's. Stateless; any
 * thread, though the supervisor runs it on its owner thread.
 */
final class GracefulStop {

    /** The QEMU being stopped. */
    interface Target {
        /** Whether the guest runs now (QMP reachable and QEMU's run state {@code running}). */
        boolean guestRunning();

        /** QMP {@code system_powerdown}: the ACPI power button. */
        void pressPowerButton() throws QmpOps.QmpFailure;

        /** Waits up to {@code timeout} for QEMU to exit; true once it did. */
        boolean awaitExit(Duration timeout);

        /** Stops QEMU without asking the guest (QMP quit, then SIGKILL). */
        void stopNow();
    }

    /** How the stop went, for the VM's events. */
    sealed interface Outcome {
        /** From the start of the stop until QEMU was gone. */
        Duration took();
    }

    /** The guest powered off by itself within the grace period. */
    record PoweredOff(Duration took) implements Outcome {
    }

    /** QEMU was stopped without the guest's shutdown; {@code why} says why in one phrase. */
    record StoppedNow(String why, Duration took) implements Outcome {
    }

    private GracefulStop() {
    }

    /**
     * @param grace    how long the guest may take to power off after the button
     * @param nanoTime the clock the time taken is read from ({@link System#nanoTime} in production)
     */
    static Outcome run(Target qemu, Duration grace, LongSupplier nanoTime) {
        long start = nanoTime.getAsLong();
        if (!grace.isPositive()) {
            return stopNow(qemu, "the grace period is 0", start, nanoTime);
        }
        if (!qemu.guestRunning()) {
            return stopNow(qemu, "the guest is not running, so it cannot act on the power button", start, nanoTime);
        }
        try {
            qemu.pressPowerButton();
        } catch (QmpOps.QmpFailure e) {
            return stopNow(qemu, "the power button could not be pressed (" + e.getMessage() + ")", start, nanoTime);
        }
        if (qemu.awaitExit(grace)) {
            return new PoweredOff(Duration.ofNanos(nanoTime.getAsLong() - start));
        }
        return stopNow(qemu, "the guest did not power off within " + grace.toSeconds()
                + " s of the ACPI power button", start, nanoTime);
    }

    private static Outcome stopNow(Target qemu, String why, long start, LongSupplier nanoTime) {
        qemu.stopNow();
        return new StoppedNow(why, Duration.ofNanos(nanoTime.getAsLong() - start));
    }
}
