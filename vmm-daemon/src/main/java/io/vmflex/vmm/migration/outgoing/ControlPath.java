package io.vmflex.vmm.migration.outgoing;

import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;

import java.io.IOException;
import java.time.Duration;

/**
 * How the source reaches the target daemon's control service: typed requests and replies
 * ({@link ControlRequest}, {@link ControlReply}), one request per connection. {@link SocketControlPath}
 * is the daemon's, over the authenticated control channel; tests join a source and a target in one
 * process through it.
 *
 * <p>Implementations are thread-safe.
 */
interface ControlPath {

    /**
     * Sends {@code request} on a connection of its own and waits at most {@code timeout} for the reply.
     *
     * @throws NotDelivered when the target cannot have seen the request (no connection, hello refused)
     * @throws IOException  when the reply did not come: the target may or may not have acted
     */
    ControlReply call(ControlRequest request, Duration timeout) throws IOException;

    /** Starts opening a connection for a later request (the commit) and returns at once. */
    Held openAhead();

    /** How long to wait before asking a target that did not answer again. */
    Duration retryPause();

    /** A connection opened ahead of its one request. Not thread-safe: the migration's thread. */
    interface Held extends AutoCloseable {

        /** Replaces the connection when it could not be opened or is getting old; cheap, no I/O. */
        void refresh();

        /**
         * Sends {@code request} over the held connection when the target still holds it, else over a
         * new one; either way the connection is used up.
         *
         * @throws IOException when the reply did not come: the target may or may not have acted
         */
        ControlReply call(ControlRequest request, Duration timeout) throws IOException;

        @Override
        void close();
    }

    /** The request never reached the target: it cannot have acted on it. */
    final class NotDelivered extends IOException {
        NotDelivered(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
