package io.vmflex.vmm.qmp;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Settings of a {@link QmpClient} (and of a {@link ReconnectingQmpClient}). Immutable; start from
 * {@link #defaults()} and use the {@code with...} methods.
 *
 * @param eventLoopGroup      an epoll group to share with the rest of the daemon; {@code null}: the
 *                            client creates a one-thread group and shuts it down on close
 * @param commandTimeout      timeout of {@link QmpClient#execute(String, com.fasterxml.jackson.databind.node.ObjectNode)}
 * @param connectTimeout      covers socket connect, greeting and capability negotiation
 * @param maxInFlight         commands sent and not yet answered (QEMU queues at most 8 per monitor)
 * @param maxQueued           commands waiting for a free slot; beyond that execute fails fast
 * @param maxMessageBytes     largest JSON object accepted from QEMU; a bigger one drops the connection
 * @param eventListener       receives every event, on the event loop thread: it must not block
 * @param disconnectListener  called once, on the event loop thread, when an established connection
 *                            drops for any reason other than {@link QmpClient#close()}
 */
public record QmpClientOptions(
        EventLoopGroup eventLoopGroup,
        Duration commandTimeout,
        Duration connectTimeout,
        int maxInFlight,
        int maxQueued,
        int maxMessageBytes,
        Consumer<QmpEvent> eventListener,
        Consumer<Throwable> disconnectListener) {

    public QmpClientOptions {
        requirePositive(commandTimeout, "commandTimeout");
        requirePositive(connectTimeout, "connectTimeout");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1: " + maxInFlight);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("maxQueued must be >= 0: " + maxQueued);
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes must be >= 1024: " + maxMessageBytes);
        }
        eventListener = eventListener == null ? event -> { } : eventListener;
        disconnectListener = disconnectListener == null ? cause -> { } : disconnectListener;
    }

    /** Own event loop, 10 s command timeout, 5 s connect timeout, 8 in flight, 256 queued, 1 MiB. */
    public static QmpClientOptions defaults() {
        return new QmpClientOptions(null, Duration.ofSeconds(10), Duration.ofSeconds(5), 8, 256,
                QmpFrameDecoder.DEFAULT_MAX_OBJECT_BYTES, null, null);
    }

    public QmpClientOptions withEventLoopGroup(EventLoopGroup group) {
        return new QmpClientOptions(group, commandTimeout, connectTimeout, maxInFlight, maxQueued,
                maxMessageBytes, eventListener, disconnectListener);
    }

    public QmpClientOptions withCommandTimeout(Duration timeout) {
        return new QmpClientOptions(eventLoopGroup, timeout, connectTimeout, maxInFlight, maxQueued,
                maxMessageBytes, eventListener, disconnectListener);
    }

    public QmpClientOptions withConnectTimeout(Duration timeout) {
        return new QmpClientOptions(eventLoopGroup, commandTimeout, timeout, maxInFlight, maxQueued,
                maxMessageBytes, eventListener, disconnectListener);
    }

    public QmpClientOptions withLimits(int newMaxInFlight, int newMaxQueued) {
        return new QmpClientOptions(eventLoopGroup, commandTimeout, connectTimeout, newMaxInFlight,
                newMaxQueued, maxMessageBytes, eventListener, disconnectListener);
    }

    public QmpClientOptions withMaxMessageBytes(int bytes) {
        return new QmpClientOptions(eventLoopGroup, commandTimeout, connectTimeout, maxInFlight, maxQueued,
                bytes, eventListener, disconnectListener);
    }

    public QmpClientOptions withEventListener(Consumer<QmpEvent> listener) {
        return new QmpClientOptions(eventLoopGroup, commandTimeout, connectTimeout, maxInFlight, maxQueued,
                maxMessageBytes, listener, disconnectListener);
    }

    public QmpClientOptions withDisconnectListener(Consumer<Throwable> listener) {
        return new QmpClientOptions(eventLoopGroup, commandTimeout, connectTimeout, maxInFlight, maxQueued,
                maxMessageBytes, eventListener, listener);
    }

    private static void requirePositive(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive: " + duration);
        }
    }
}
