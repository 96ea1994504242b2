package io.vmflex.migration;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A migration the target daemon was told to expect (by {@link MigrationListener#expect}): which id,
 * how many channels, until when, and where accepted channels go. Each channel index is accepted at
 * most once.
 *
 * <p>Thread-safe. {@link #close()} withdraws the expectation and closes its relays.
 */
public final class Expectation implements AutoCloseable {

    private final MigrationAcceptor owner;
    private final UUID migrationId;
    private final int channels;
    private final long deadlineNanos;
    private final LocalEndpoint endpoint;
    private final Duration deadPeerAfter;
    private final BitSet claimed = new BitSet(); // guarded by owner
    private final RelayGroup group;

    Expectation(MigrationAcceptor owner, UUID migrationId, int channels, long deadlineNanos, LocalEndpoint endpoint,
            Duration deadPeerAfter) {
        this.owner = owner;
        this.migrationId = migrationId;
        this.channels = channels;
        this.deadlineNanos = deadlineNanos;
        this.endpoint = endpoint;
        this.deadPeerAfter = deadPeerAfter;
        this.group = new RelayGroup(channels);
    }

    public UUID migrationId() {
        return migrationId;
    }

    public int channels() {
        return channels;
    }

    /** Relays started so far (one per accepted channel). */
    public List<Relay> relays() {
        return group.relays();
    }

    /**
     * Completes when every channel was accepted and its relay finished cleanly; completes
     * exceptionally on the first relay failure, on expiry with channels missing, or on close.
     */
    public CompletableFuture<Void> completion() {
        return group.completion();
    }

    @Override
    public void close() {
        owner.remove(this);
        group.close();
    }

    /** How soon this migration's relays give up on a silent peer ({@link RelayOptions#deadPeerAfter}). */
    Duration deadPeerAfter() {
        return deadPeerAfter;
    }

    LocalEndpoint endpoint() {
        return endpoint;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    /** Called under the owner's lock. */
    boolean claim(int channel) {
        if (claimed.get(channel)) {
            return false;
        }
        claimed.set(channel);
        return true;
    }

    /** Called under the owner's lock. */
    boolean fullyClaimed() {
        return claimed.cardinality() == channels;
    }

    void add(Relay relay) {
        group.add(relay);
    }

    void fail(Throwable cause) {
        group.fail(cause);
    }
}
