package io.vmflex.migration;

/** How a {@link Relay} ended. */
public sealed interface RelayOutcome {

    RelayStats.Snapshot stats();

    /** Both sides reached end of stream and every byte read was written. */
    record Finished(RelayStats.Snapshot stats) implements RelayOutcome {
    }

    /** A read, write or shutdown failed on either side; both channels were closed. */
    record Failed(Throwable cause, RelayStats.Snapshot stats) implements RelayOutcome {
    }

    /** {@link Relay#close()} was called before both directions ended. */
    record Cancelled(RelayStats.Snapshot stats) implements RelayOutcome {
    }
}
