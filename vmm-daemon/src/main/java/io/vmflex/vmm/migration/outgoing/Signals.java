package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.vmm.migration.qemu.DiskMirror;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * What reaches a running outgoing migration from other threads: a cancel (API, delete, daemon
 * stop), QEMU's migration and disk-mirror events (QMP I/O thread), the end of a relay (relay
 * threads). Each of them wakes the watch loop before its next poll: without that the target would
 * wait up to a poll interval after QEMU completed, and that wait is guest downtime (the VM is
 * paused on the source until the target resumes it).
 *
 * <p>Thread-safe; nothing here blocks but {@link #awaitWakeUp}.
 */
final class Signals {
    private final Semaphore wakeUp = new Semaphore(0);
    private boolean cancelRequested; // guarded by this
    private String cancelReason; // guarded by this; the first cancel's
    private boolean pastCancel; // guarded by this: committing or finished
    /**
     * The status of QEMU's last {@code MIGRATION} event. With the guest paused the watch loop acts on
     * it (pre-switchover, completed) without asking QEMU first: each query there is a round trip of pause.
     */
    private volatile String qemuReported = "";
    /** From Mirror on: the disk mirror, which gets QEMU's events about its job. */
    private volatile OutgoingDiskMirror diskMirror;

    /** How a cancel request was taken. */
    enum CancelAnswer {
        /** The migration stops now (the watch loop wakes up). */
        ACCEPTED,
        /** Too late: the target is being committed, or the migration already ended. */
        TOO_LATE
    }

    /** @param why the migration's message when the cancel takes effect */
    synchronized CancelAnswer requestCancel(String why) {
        if (pastCancel) {
            return CancelAnswer.TOO_LATE;
        }
        if (!cancelRequested) {
            cancelReason = why;
        }
        cancelRequested = true;
        wakeUp.release();
        return CancelAnswer.ACCEPTED;
    }

    synchronized boolean cancelRequested() {
        return cancelRequested;
    }

    synchronized String cancelReason() {
        return cancelReason;
    }

    /** @return false when a cancel came first; from true on, cancels are too late */
    synchronized boolean enterCommit() {
        if (cancelRequested) {
            return false;
        }
        pastCancel = true;
        return true;
    }

    synchronized void finish() {
        pastCancel = true;
    }

    /**
     * A QMP event of the VM's QEMU. {@code MIGRATION} and {@code MIGRATION_PASS} (status changes and
     * new passes, with the {@code events} capability on; a new pass may lift the switch-over hold)
     * wake the watch loop, which queries QEMU at once instead of at its next poll; the mirror job's
     * events go to the disk mirror. Does not block, so the QMP I/O thread may call it.
     *
     * @return whether the event was the migration's
     */
    boolean onQmpEvent(String event, JsonNode data) {
        if (event.equals("MIGRATION") || event.equals("MIGRATION_PASS")) {
            if (event.equals("MIGRATION")) {
                qemuReported = data.path("status").asText("");
            }
            wakeUp.release();
            return true;
        }
        if (DiskMirror.JobEvents.concerns(event, data)) {
            OutgoingDiskMirror mirror = diskMirror;
            if (mirror != null) {
                mirror.onJobEvent(event, data);
            }
            return true;
        }
        return false;
    }

    String qemuReported() {
        return qemuReported;
    }

    void diskMirror(OutgoingDiskMirror mirror) {
        diskMirror = mirror;
    }

    void wakeUp() {
        wakeUp.release();
    }

    /** Waits for a wake-up at most {@code max}; one wake-up answers every one so far. */
    void awaitWakeUp(Duration max) throws InterruptedException {
        if (wakeUp.tryAcquire(max.toMillis(), TimeUnit.MILLISECONDS)) {
            wakeUp.drainPermits(); // one query answers every wake-up so far
        }
    }
}
