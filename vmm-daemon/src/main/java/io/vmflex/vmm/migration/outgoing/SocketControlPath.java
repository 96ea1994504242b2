package io.vmflex.vmm.migration.outgoing;

import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.ControlChannel;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import io.vmflex.migration.MigrationControl;
import io.vmflex.migration.RelayOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The daemon's {@link ControlPath}: the authenticated control channel of the {@code migration}
 * module ({@link MigrationControl}), every message through its one codec ({@link ControlChannel}).
 * The connection is opened and authenticated before the request is written, so a failure there is
 * {@link ControlPath.NotDelivered}.
 *
 * <p>Immutable; thread-safe.
 */
record SocketControlPath(InetSocketAddress target, ClusterSecret secret, RelayOptions options) implements ControlPath {
    static final Duration RETRY_PAUSE = Duration.ofSeconds(5);

    @Override
    public ControlReply call(ControlRequest request, Duration timeout) throws IOException {
        MigrationControl.Connection c;
        try {
            c = MigrationControl.Connection.open(target, secret, options);
        } catch (IOException e) {
            throw new NotDelivered("cannot reach " + target.getHostString() + ":" + target.getPort() + ": "
                    + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
        try (c) {
            return ControlChannel.call(c, request, timeout);
        }
    }

    @Override
    public Held openAhead() {
        return CommitLink.open(target, secret, options);
    }

    @Override
    public Duration retryPause() {
        return RETRY_PAUSE;
    }
}
