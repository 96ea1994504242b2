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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The authenticated control connection a migration's commit goes over, opened while QEMU still
 * streams. The commit is sent with the guest paused on the source; a new connection there costs a
 * TCP connect, the mutual hello's round trips and its HMACs, and a new thread on the target, all of
 * it guest pause.
 *
 * <p>Not thread-safe: the migration's thread. The connection is opened on a virtual thread of its own.
 */
final class CommitLink implements ControlPath.Held {
    /** Replaced when older: well inside the target's wait for the request ({@link MigrationControl#REQUEST_WAIT}). */
    static final Duration MAX_AGE = Duration.ofMinutes(4);

    private final InetSocketAddress target;
    private final ClusterSecret secret;
    private final RelayOptions options;
    private CompletableFuture<MigrationControl.Connection> held;

    private CommitLink(InetSocketAddress target, ClusterSecret secret, RelayOptions options) {
        this.target = target;
        this.secret = secret;
        this.options = options;
    }

    /** Starts opening the connection and returns at once. */
    static CommitLink open(InetSocketAddress target, ClusterSecret secret, RelayOptions options) {
        CommitLink link = new CommitLink(target, secret, options);
        link.openAhead();
        return link;
    }

    private void openAhead() {
        CompletableFuture<MigrationControl.Connection> f = new CompletableFuture<>();
        Thread.ofVirtual().name("vmflex-commit-link").start(() -> {
            try {
                f.complete(MigrationControl.Connection.open(target, secret, options));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        held = f;
    }

    /** Replaces a connection that could not be opened or is older than {@link #MAX_AGE}; cheap, no I/O. */
    @Override
    public void refresh() {
        if (held == null || !held.isDone()) {
            return;
        }
        MigrationControl.Connection c = held.getNow(null);
        if (c == null || c.age().compareTo(MAX_AGE) > 0) {
            close();
            openAhead();
        }
    }

    /**
     * Sends the request over the held connection when the target still holds it, else over a new
     * one; either way the connection is used up.
     *
     * @throws IOException as {@link MigrationControl#call}: the answer may be lost after the target acted
     */
    @Override
    public ControlReply call(ControlRequest request, Duration timeout) throws IOException {
        MigrationControl.Connection c = take();
        if (c == null) {
            return ControlChannel.call(target, secret, request, timeout, options);
        }
        try (c) {
            return ControlChannel.call(c, request, timeout);
        }
    }

    private MigrationControl.Connection take() {
        CompletableFuture<MigrationControl.Connection> f = held;
        held = null;
        if (f == null) {
            return null;
        }
        MigrationControl.Connection c;
        try {
            // Still opening (a migration shorter than a hello): a new connection would not be quicker.
            c = f.get(options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            f.thenAccept(MigrationControl.Connection::close);
            return null;
        }
        if (c.age().compareTo(MAX_AGE.plusMinutes(1)) > 0 || !c.held()) {
            c.close();
            return null;
        }
        return c;
    }

    @Override
    public void close() {
        CompletableFuture<MigrationControl.Connection> f = held;
        held = null;
        if (f != null) {
            f.thenAccept(MigrationControl.Connection::close);
        }
    }
}
