package io.vmflex.vmm.migration.outgoing;

import io.vmflex.migration.ControlReply;

/**
 * What the target's answer to the commit or to the fence means for the source's copy: the pure rule
 * behind {@link Commit} and {@link InterruptedMigration}. The source resumes its own copy only when
 * a fence said {@code DROPPED}: a commit refused, lost or answered oddly is settled by a fence.
 *
 * <p>Stateless.
 */
sealed interface CommitOutcome {

    /** The VM runs on the target: the source drops its copy. */
    record Moved(long resumedInMicros) implements CommitOutcome {
    }

    /** The target has no copy and will never commit this migration: the source resumes its own. */
    record StaysHere() implements CommitOutcome {
    }

    /** Not settled: ask the target with a fence (again). */
    record Fence(String why) implements CommitOutcome {
    }

    /** The commit's answer; {@code null} when it was lost. */
    static CommitOutcome ofCommit(ControlReply reply) {
        return switch (reply) {
            case null -> new Fence("the commit's answer was lost");
            case ControlReply.Committed c -> new Moved(c.resumedInMicros());
            case ControlReply.Refused r -> new Fence("the target refused the commit: " + r.error());
            case ControlReply.Done d -> new Fence("unexpected answer to the commit: " + d);
            case ControlReply.Fenced f -> new Fence("unexpected answer to the commit: " + f);
        };
    }

    /** The fence's answer; {@code null} when it was lost. */
    static CommitOutcome ofFence(ControlReply reply) {
        return switch (reply) {
            case null -> new Fence("the fence's answer was lost");
            case ControlReply.Fenced f -> switch (f.outcome()) {
                case COMMITTED -> new Moved(-1);
                case DROPPED -> new StaysHere();
            };
            case ControlReply.Refused r -> new Fence("the target refused the fence: " + r.error());
            case ControlReply.Done d -> new Fence("unexpected answer to the fence: " + d);
            case ControlReply.Committed c -> new Fence("unexpected answer to the fence: " + c);
        };
    }
}
