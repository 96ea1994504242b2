package io.vmflex.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The relays of one migration on one side: completes when all expected channels finished cleanly,
 * fails (and closes every relay) on the first failure, since QEMU cannot finish a migration that
 * lost one of its channels.
 *
 * <p>Thread-safe: relays are added from handshake threads, outcomes arrive on relay threads,
 * {@link #close()} from anywhere.
 */
final class RelayGroup implements AutoCloseable {

    private final int expected;
    private final List<Relay> relays = new ArrayList<>(); // guarded by this
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private int finished; // guarded by this
    private boolean closed; // guarded by this

    RelayGroup(int expected) {
        this.expected = expected;
    }

    void add(Relay relay) {
        synchronized (this) {
            if (!closed && !completion.isDone()) {
                relays.add(relay);
                relay.outcome().thenAccept(this::onOutcome);
                return;
            }
        }
        relay.close();
    }

    private void onOutcome(RelayOutcome outcome) {
        switch (outcome) {
            case RelayOutcome.Finished f -> {
                boolean all;
                synchronized (this) {
                    all = ++finished == expected;
                }
                if (all) {
                    completion.complete(null);
                }
            }
            case RelayOutcome.Failed f -> fail(f.cause());
            case RelayOutcome.Cancelled c -> fail(new CancellationException("relay closed"));
        }
    }

    /** Fails the migration's data plane: records the cause and closes every relay. */
    void fail(Throwable cause) {
        if (completion.completeExceptionally(cause)) {
            closeRelays();
        }
    }

    List<Relay> relays() {
        synchronized (this) {
            return List.copyOf(relays);
        }
    }

    CompletableFuture<Void> completion() {
        return completion;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        completion.completeExceptionally(new CancellationException("closed"));
        closeRelays();
    }

    private void closeRelays() {
        for (Relay r : relays()) {
            r.close();
        }
    }
}
