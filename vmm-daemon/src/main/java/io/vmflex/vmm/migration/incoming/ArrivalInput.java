package io.vmflex.vmm.migration.incoming;

/**
 * What happens to one incoming migration: the source's requests, the watchdog's verdicts, and the
 * outcomes of the I/O the rules asked for. See {@link ArrivalRules}.
 */
sealed interface ArrivalInput {

    /** The source asks for a paused QEMU. */
    record Prepare() implements ArrivalInput {
    }

    /** The source completed: resume the copy. */
    record Commit() implements ArrivalInput {
    }

    /**
     * The source lost track of the commit and wants the final word.
     *
     * @param vmRunsHere a VM of the migration's name runs on this node (asked only of an unknown migration)
     */
    record Fence(boolean vmRunsHere) implements ArrivalInput {
    }

    /** The source aborted, the watchdog gave up on the copy, or the daemon stops. */
    record Drop(String why) implements ArrivalInput {
    }

    /** The paused QEMU waits for the stream. */
    record Prepared() implements ArrivalInput {
    }

    /** Preparing failed; what was made of the copy has been removed. */
    record PrepareFailed(String why) implements ArrivalInput {
    }

    /** The copy runs here. */
    record Resumed(long resumedInMicros) implements ArrivalInput {
    }

    /** The copy did not resume (it did not load, or QEMU refused {@code cont}). */
    record CommitFailed(String why) implements ArrivalInput {
    }
}
