package io.vmflex.vmm.vm;

import java.time.Instant;

/**
 * One outgoing live migration as the admin API shows it ({@code GET /v1/migrations}). Immutable; a
 * new value replaces the old on every progress poll.
 *
 * @param phase          Preparing, Migrating, Completed or Failed
 * @param qemuStatus     QEMU's own {@code query-migrate} status, last seen
 * @param downtimeMs     the guest's pause at switch-over, from QEMU (0 until completed)
 * @param totalMs        QEMU's total migration time (0 until completed)
 */
public record MigrationStatus(String id, String vm, String target, String phase, String qemuStatus, String message,
                              long transferredBytes, long remainingBytes, long totalBytes, long downtimeMs, long totalMs,
                              Instant startedAt, Instant finishedAt) {

    MigrationStatus progress(String qemu, long transferred, long remaining, long total, long downtime, long totalTime) {
        return new MigrationStatus(id, vm, target, "Migrating", qemu, message, transferred, remaining, total, downtime,
                totalTime, startedAt, finishedAt);
    }

    MigrationStatus phase(String newPhase, String newMessage) {
        return new MigrationStatus(id, vm, target, newPhase, qemuStatus, newMessage, transferredBytes, remainingBytes,
                totalBytes, downtimeMs, totalMs, startedAt, finishedAt);
    }

    MigrationStatus finished(String newPhase, String newMessage, Instant at) {
        return new MigrationStatus(id, vm, target, newPhase, qemuStatus, newMessage, transferredBytes, remainingBytes,
                totalBytes, downtimeMs, totalMs, startedAt, at);
    }
}
