package io.vmflex.vmm.migration.outgoing;

import java.time.Duration;

/**
 * When an outgoing migration gives up, as KubeVirt's migration policy does: a completion timeout
 * that grows with the VM's memory, and a progress timeout that fires when QEMU neither sends more
 * bytes nor has fewer left to send for that long (a cut link, a wedged target, a guest that dirties
 * memory faster than the link drains it).
 *
 * @param completionPerGiB the whole migration may take this long per started GiB of guest memory
 *                         (at least one GiB), from the moment QEMU starts streaming
 * @param progress         no progress for this long fails the migration
 */
public record MigrationTimeouts(Duration completionPerGiB, Duration progress) {

    /**
     * 150 s per GiB (KubeVirt's default; a 1 GiB guest at 100 Mbit/s needs ~90 s with no dirtying)
     * and 30 s without progress (KubeVirt allows 150 s; 30 s is long enough for a TCG guest on a
     * loaded host to get a scheduler slice, and short enough that an operator is not left wondering).
     */
    public static final MigrationTimeouts DEFAULTS = new MigrationTimeouts(Duration.ofSeconds(150), Duration.ofSeconds(30));

    public MigrationTimeouts {
        if (completionPerGiB.isNegative() || completionPerGiB.isZero() || progress.isNegative() || progress.isZero()) {
            throw new IllegalArgumentException("migration timeouts must be positive");
        }
    }

    /** The completion limit for a guest of {@code memoryBytes}. */
    public Duration completionFor(long memoryBytes) {
        long gib = Math.max(1, (memoryBytes + (1L << 30) - 1) >> 30);
        return completionPerGiB.multipliedBy(gib);
    }
}
