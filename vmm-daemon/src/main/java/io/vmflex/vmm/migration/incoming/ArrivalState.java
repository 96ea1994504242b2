package io.vmflex.vmm.migration.incoming;

/**
 * What this daemon knows of one incoming migration, by its id. Changed only under the migration's
 * own lock ({@link IncomingMigrations}), by the rules of {@link ArrivalRules}.
 */
sealed interface ArrivalState {

    /** No record of it: never prepared here, or prepared by a daemon that has since restarted. */
    record Unknown() implements ArrivalState {
    }

    /** A paused QEMU waits for the stream and the commit. */
    record Pending() implements ArrivalState {
    }

    /**
     * The VM runs here.
     *
     * @param resumedInMicros from the commit's arrival to QEMU's {@code cont} answer; -1 when not known
     */
    record Committed(long resumedInMicros) implements ArrivalState {
    }

    /** No copy of the VM is here, and this migration will never be committed here. */
    record Dropped(String why) implements ArrivalState {
    }
}
