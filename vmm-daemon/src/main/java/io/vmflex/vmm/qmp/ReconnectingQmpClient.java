package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QMP client that stays attached to one socket path: whenever the connection is missing (QEMU
 * not started yet, QEMU restarted, the link dropped) it connects again with exponential backoff
 * until closed, negotiating capabilities each time. QEMU serves one QMP client per socket at a
 * time, so there is never more than one connection.
 *
 * <pre>
 *   Connecting(n) --ok--> Connected --drop--> Disconnected(retryIn = initial) --> Connecting(1)
 *        └--fail--> Disconnected(retryIn = min(2 × previous, max)) --> Connecting(n + 1)
 *   any --close()--> Closed
 * </pre>
 *
 * <p>{@code execute} while not connected fails fast with {@link QmpDisconnectedException}; commands
 * are never replayed on a new connection (QEMU state may have changed; the caller decides).
 *
 * <p>Thread-safety: all public methods may be called from any thread. The state listener is
 * called on an event loop thread (or the thread calling {@link #close()}), under this client's
 * lock and in order: it must not block. Event and disconnect listeners behave as in
 * {@link QmpClient}.
 */
public final class ReconnectingQmpClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReconnectingQmpClient.class);

    /**
     * Delay before reconnect attempts: {@code initial} after a drop, doubling per failed attempt up
     * to {@code max}.
     */
    public record Backoff(Duration initial, Duration max) {

        public Backoff {
            Objects.requireNonNull(initial, "initial");
            Objects.requireNonNull(max, "max");
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("need 0 < initial <= max: " + initial + ", " + max);
            }
        }

        /** 50 ms doubling to 2 s. */
        public static Backoff defaults() {
            return new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
        }

        Duration after(Duration previous) {
            Duration doubled = previous.multipliedBy(2);
            return doubled.compareTo(max) > 0 ? max : doubled;
        }
    }

    private final Path socket;
    private final QmpClientOptions options;
    private final Backoff backoff;
    private final Consumer<QmpConnectionState> stateListener;
    private final EventLoopGroup group;
    private final boolean ownsGroup;

    // Guarded by "this".
    private QmpConnectionState state = new QmpConnectionState.Connecting(0);
    private QmpClient current;
    private long generation;
    private int attempt;
    private Duration nextDelay;
    private ScheduledFuture<?> retry;
    private boolean closed;
    private final List<CompletableFuture<QmpGreeting>> waiters = new ArrayList<>();

    private ReconnectingQmpClient(Path socket, QmpClientOptions options, Backoff backoff,
            Consumer<QmpConnectionState> stateListener) {
        this.socket = socket;
        this.backoff = backoff;
        this.stateListener = stateListener;
        this.ownsGroup = options.eventLoopGroup() == null;
        this.group = ownsGroup ? QmpClient.newEventLoopGroup() : options.eventLoopGroup();
        this.options = options.withEventLoopGroup(group);
        this.nextDelay = backoff.initial();
    }

    /**
     * Starts connecting in the background and returns at once; use {@link #whenConnected()} to wait.
     *
     * @param stateListener told of every state change (must not block); may be null
     */
    public static ReconnectingQmpClient start(Path socket, QmpClientOptions options, Backoff backoff,
            Consumer<QmpConnectionState> stateListener) {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(backoff, "backoff");
        ReconnectingQmpClient client = new ReconnectingQmpClient(socket, options, backoff,
                stateListener == null ? s -> { } : stateListener);
        client.attempt();
        return client;
    }

    /** {@link #start(Path, QmpClientOptions, Backoff, Consumer)} with default backoff, no listener. */
    public static ReconnectingQmpClient start(Path socket, QmpClientOptions options) {
        return start(socket, options, Backoff.defaults(), null);
    }

    /** As {@link QmpClient#execute(String, ObjectNode)}; fails fast if not connected right now. */
    public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
        return execute(command, arguments, options.commandTimeout());
    }

    /** As {@link QmpClient#execute(String, ObjectNode, Duration)}; fails fast if not connected. */
    public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments, Duration timeout) {
        QmpClient client;
        QmpConnectionState now;
        synchronized (this) {
            client = current;
            now = state;
        }
        if (client == null) {
            return CompletableFuture.failedFuture(new QmpDisconnectedException(
                    command + " not sent: not connected to " + socket + " (" + now + ")"));
        }
        return client.execute(command, arguments, timeout);
    }

    /** Completes with the greeting when connected (at once if connected now); fails when closed. */
    public synchronized CompletableFuture<QmpGreeting> whenConnected() {
        if (closed) {
            return CompletableFuture.failedFuture(new QmpDisconnectedException("QMP client closed"));
        }
        if (state instanceof QmpConnectionState.Connected connected) {
            return CompletableFuture.completedFuture(connected.greeting());
        }
        CompletableFuture<QmpGreeting> waiter = new CompletableFuture<>();
        waiters.add(waiter);
        return waiter;
    }

    public synchronized QmpConnectionState state() {
        return state;
    }

    /** The greeting of the current connection, if connected. */
    public synchronized Optional<QmpGreeting> greeting() {
        return state instanceof QmpConnectionState.Connected connected
                ? Optional.of(connected.greeting()) : Optional.empty();
    }

    public synchronized boolean isConnected() {
        return current != null && current.isConnected();
    }

    public Path socket() {
        return socket;
    }

    /** Stops reconnecting and closes the connection; pending commands fail. Idempotent. */
    @Override
    public void close() {
        QmpClient client;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            client = current;
            current = null;
            if (retry != null) {
                retry.cancel(false);
            }
            setState(new QmpConnectionState.Closed());
            QmpDisconnectedException cause = new QmpDisconnectedException("QMP client closed");
            waiters.forEach(waiter -> waiter.completeExceptionally(cause));
            waiters.clear();
        }
        if (client != null) {
            client.close();
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private void attempt() {
        long thisGeneration;
        QmpClientOptions attemptOptions;
        synchronized (this) {
            if (closed) {
                return;
            }
            retry = null;
            attempt++;
            thisGeneration = ++generation;
            setState(new QmpConnectionState.Connecting(attempt));
            attemptOptions = options.withDisconnectListener(cause -> onDisconnect(thisGeneration, cause));
        }
        QmpClient.connect(socket, attemptOptions).whenComplete((client, error) -> onConnectDone(client, error));
    }

    private void onConnectDone(QmpClient client, Throwable error) {
        boolean closeClient = false;
        synchronized (this) {
            if (closed) {
                closeClient = client != null;
            } else if (error != null || !client.isConnected()) {
                closeClient = client != null;
                Throwable cause = error != null ? error : new QmpDisconnectedException("dropped right after connect");
                LOG.debug("QMP connect to {} failed (attempt {}): {}", socket, attempt, cause.toString());
                scheduleRetry(cause, nextDelay);
                nextDelay = backoff.after(nextDelay);
            } else {
                current = client;
                attempt = 0;
                nextDelay = backoff.initial();
                LOG.info("QMP connected to {} (QEMU {})", socket, client.greeting().version());
                setState(new QmpConnectionState.Connected(client.greeting()));
                waiters.forEach(waiter -> waiter.complete(client.greeting()));
                waiters.clear();
            }
        }
        if (closeClient) {
            client.close();
        }
    }

    private void onDisconnect(long ofGeneration, Throwable cause) {
        synchronized (this) {
            if (closed || ofGeneration != generation || current == null) {
                return; // stale connection, or onConnectDone will notice the drop itself
            }
            current = null;
            LOG.info("QMP connection to {} lost; reconnecting: {}", socket, cause.getMessage());
            nextDelay = backoff.initial();
            scheduleRetry(cause, nextDelay);
            nextDelay = backoff.after(nextDelay);
        }
        try {
            options.disconnectListener().accept(cause);
        } catch (RuntimeException e) {
            LOG.warn("QMP disconnect listener threw", e);
        }
    }

    /** Caller holds the lock. */
    private void scheduleRetry(Throwable cause, Duration delay) {
        setState(new QmpConnectionState.Disconnected(cause, delay));
        try {
            retry = group.next().schedule(this::attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("QMP reconnect to {} cannot be scheduled: event loop group shut down", socket);
        }
    }

    /** Caller holds the lock. */
    private void setState(QmpConnectionState next) {
        state = next;
        try {
            stateListener.accept(next);
        } catch (RuntimeException e) {
            LOG.warn("QMP state listener threw on {}", next, e);
        }
    }
}
