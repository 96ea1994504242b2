package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * vmflex: one outgoing live migration, as {@code GET /v1/migrations} lists it and as the VM's
 * {@code status.migration} shows it (while it runs, and the last one after it ended). Immutable; a
 * new value replaces the old one on every progress poll. Byte counts and rates are QEMU's
 * {@code query-migrate} figures for RAM.
 *
 * @param reason             CamelCase why of a Failed/Cancelled phase (e.g. ProgressTimeout), else null
 * @param qemuStatus         QEMU's own {@code query-migrate} status, last seen
 * @param rateBytesPerSecond QEMU's current throughput ({@code ram.mbps})
 * @param dirtyRateBytesPerSecond pages the guest dirties per second × page size
 * @param expectedDowntimeMs QEMU's estimate of the switch-over pause if it stopped the guest now
 * @param downtimeMs         QEMU's downtime: from stopping the guest to the source's last byte (0 until completed)
 * @param switchoverMs       the guest's pause as its clients see it: from stopping it on the source until
 *                           the target's QEMU ran it (QEMU's downtime plus the daemons' commit); 0 until
 *                           completed
 * @param totalMs            QEMU's total migration time (running time while active)
 * @param encryption         how the migration's connections cross the network: {@value #ENCRYPTED}, or
 *                           {@value #IN_CLEAR} when the source daemon runs with the opt-out
 *                           ({@code --migration-encryption off}). The source's setting decides: a
 *                           target either takes it or refuses the prepare, so this is what every
 *                           migration that got past prepare used. Absent in migrations an older
 *                           daemon recorded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationStatus(String id, String vm, String target, MigrationPhase phase, String reason,
                              String message, String qemuStatus, long transferredBytes, long remainingBytes,
                              long totalBytes, long rateBytesPerSecond, long dirtyRateBytesPerSecond,
                              long expectedDowntimeMs, long downtimeMs, long switchoverMs, long totalMs,
                              Instant startedAt, Instant finishedAt, String encryption) {

    public static final String ENCRYPTED = "AES-256-GCM";
    public static final String IN_CLEAR = "none";

    /**
     * A migration that was just asked for.
     *
     * @param encrypted whether the source encrypts its connections to the target (its daemon's setting)
     */
    public static MigrationStatus preparing(String id, String vm, String target, boolean encrypted, Instant at) {
        return new MigrationStatus(id, vm, target, MigrationPhase.Preparing, null, "asking the target to prepare", "none",
                0, 0, 0, 0, 0, 0, 0, 0, 0, at, null, encrypted ? ENCRYPTED : IN_CLEAR);
    }

    /** QEMU's figures from one {@code query-migrate}. */
    public record Progress(String qemuStatus, long transferredBytes, long remainingBytes, long totalBytes,
                           long rateBytesPerSecond, long dirtyRateBytesPerSecond, long expectedDowntimeMs,
                           long downtimeMs, long totalMs) {
    }

    public MigrationStatus withProgress(Progress p) {
        return new MigrationStatus(id, vm, target, phase, reason, message, p.qemuStatus(), p.transferredBytes(),
                p.remainingBytes(), p.totalBytes(), p.rateBytesPerSecond(), p.dirtyRateBytesPerSecond(),
                p.expectedDowntimeMs(), p.downtimeMs(), switchoverMs, p.totalMs(), startedAt, finishedAt, encryption);
    }

    public MigrationStatus withQemuStatus(String qemu) {
        return new MigrationStatus(id, vm, target, phase, reason, message, qemu, transferredBytes, remainingBytes,
                totalBytes, rateBytesPerSecond, dirtyRateBytesPerSecond, expectedDowntimeMs, downtimeMs, switchoverMs, totalMs,
                startedAt, finishedAt, encryption);
    }

    public MigrationStatus withPhase(MigrationPhase newPhase, String newMessage) {
        return new MigrationStatus(id, vm, target, newPhase, reason, newMessage, qemuStatus, transferredBytes,
                remainingBytes, totalBytes, rateBytesPerSecond, dirtyRateBytesPerSecond, expectedDowntimeMs, downtimeMs,
                switchoverMs, totalMs, startedAt, finishedAt, encryption);
    }

    public MigrationStatus withSwitchoverMs(long ms) {
        return new MigrationStatus(id, vm, target, phase, reason, message, qemuStatus, transferredBytes, remainingBytes,
                totalBytes, rateBytesPerSecond, dirtyRateBytesPerSecond, expectedDowntimeMs, downtimeMs, ms, totalMs,
                startedAt, finishedAt, encryption);
    }

    /** The end: {@code outcome} must be final. */
    public MigrationStatus finished(MigrationPhase outcome, String why, String newMessage, Instant at) {
        if (!outcome.isFinal()) {
            throw new IllegalArgumentException("not a final phase: " + outcome);
        }
        return new MigrationStatus(id, vm, target, outcome, why, newMessage, qemuStatus, transferredBytes,
                remainingBytes, totalBytes, outcome == MigrationPhase.Completed ? rateBytesPerSecond : 0,
                outcome == MigrationPhase.Completed ? dirtyRateBytesPerSecond : 0, expectedDowntimeMs, downtimeMs,
                switchoverMs, totalMs, startedAt, at, encryption);
    }
}
