package io.vmflex.vmm.migration.outgoing;

import java.time.Duration;

/**
 * Judges successive {@code query-migrate} samples of one migration against its
 * {@link MigrationTimeouts}. Progress is a new low of remaining bytes or a new high of transferred
 * bytes: a dirtying guest makes "remaining" go up and down, but while the link carries bytes
 * "transferred" grows, so only a stalled stream (or one that keeps resending without end, which
 * the completion timeout catches) trips it. A pure function of the samples and the times given;
 * tests drive it with made-up clocks.
 *
 * <p>Not thread-safe: one instance per migration, used by the migration's thread.
 */
final class ProgressWatch {

    /** What to do after a sample. */
    sealed interface Verdict {
        record KeepGoing() implements Verdict {
        }

        /** @param reason CamelCase, for {@code status.migration.reason} */
        record GiveUp(String reason, String message) implements Verdict {
        }
    }

    private static final Verdict.KeepGoing KEEP_GOING = new Verdict.KeepGoing();

    private final MigrationTimeouts timeouts;
    private final long startNanos;
    private final long completionNanos;
    private long lastProgressNanos;
    private long maxTransferred = -1;
    private long minRemaining = Long.MAX_VALUE;

    ProgressWatch(MigrationTimeouts timeouts, long guestMemoryBytes, long startNanos) {
        this.timeouts = timeouts;
        this.startNanos = startNanos;
        this.completionNanos = timeouts.completionFor(guestMemoryBytes).toNanos();
        this.lastProgressNanos = startNanos;
    }

    Verdict observe(long nowNanos, long transferredBytes, long remainingBytes) {
        if (transferredBytes > maxTransferred || remainingBytes < minRemaining) {
            lastProgressNanos = nowNanos;
            maxTransferred = Math.max(maxTransferred, transferredBytes);
            minRemaining = Math.min(minRemaining, remainingBytes);
        }
        if (nowNanos - startNanos > completionNanos) {
            return new Verdict.GiveUp("CompletionTimeout", "not completed within " + seconds(completionNanos)
                    + " s (" + timeouts.completionPerGiB().toSeconds() + " s per GiB of guest memory)");
        }
        long still = nowNanos - lastProgressNanos;
        if (still > timeouts.progress().toNanos()) {
            return new Verdict.GiveUp("ProgressTimeout", "no progress for " + seconds(still) + " s (limit "
                    + timeouts.progress().toSeconds() + " s): " + (maxTransferred >> 20) + " MiB sent, "
                    + (minRemaining == Long.MAX_VALUE ? 0 : minRemaining >> 20) + " MiB left");
        }
        return KEEP_GOING;
    }

    private static long seconds(long nanos) {
        return Duration.ofNanos(nanos).toSeconds();
    }
}
