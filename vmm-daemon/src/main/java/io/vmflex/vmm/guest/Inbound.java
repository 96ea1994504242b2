package io.vmflex.vmm.guest;

import io.vmflex.api.guest.GuestMessage;

/** What {@link GuestSession} made of incoming bytes or a frame; the channel acts on it. */
sealed interface Inbound {

    /** Nothing to do for the channel (fine, stale, late or rate limited). */
    record Ignored(String why) implements Inbound {
    }

    /** The guest chose {@code version}; the session is established. */
    record Established(int version) implements Inbound {
    }

    record MetricsArrived(GuestMessage.Metrics metrics) implements Inbound {
    }

    record UpscaleRequested(GuestMessage.UpscaleRequest request) implements Inbound {
    }

    /** A host request got its answer (its future is completed). */
    record Answered(long id) implements Inbound {
    }

    /** A protocol error, tolerated so far; send InvalidMessage{id, error} if {@code reply}. */
    record Rejected(long id, String error, boolean reply) implements Inbound {
    }

    /** The session must end. */
    record Fatal(Kind kind, String reason) implements Inbound {
        enum Kind {
            /** The peer went away or I/O failed: reconnect with backoff. */
            DISCONNECTED,
            /** A framing error before the handshake: maybe the tail of a frame cut by the last disconnect. */
            GARBLED_START,
            /** The guest misbehaved: close and quarantine. */
            QUARANTINE,
            /** The guest chose a version the host does not speak. */
            INCOMPATIBLE
        }
    }
}
