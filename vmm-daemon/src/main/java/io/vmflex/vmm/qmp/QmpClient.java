package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QMP client on one Unix socket connection to one QEMU process.
 *
 * <p>Pipeline: {@link QmpFrameDecoder} (bytes → one buffer per JSON object) →
 * {@link QmpMessageDecoder} (→ {@link QmpMessage}) → {@link QmpConnectionHandler} (handshake, then
 * {@link QmpCorrelator}: ids, replies, events, timeouts, at most {@code maxInFlight} on the wire).
 *
 * <p>Thread-safety: all public methods may be called from any thread. All connection state lives
 * on the channel's event loop; {@code execute} hops there. Returned futures complete on the event
 * loop thread, and the event and disconnect listeners run there too: they, and non-async
 * dependent stages, must not block (in particular must not {@code join()} another QMP command of
 * the same client, which would deadlock). Use the {@code ...Async} stages to leave the loop.
 *
 * <p>One client is one connection: after a disconnect it stays dead (every {@code execute} fails
 * with {@link QmpDisconnectedException}); see {@link ReconnectingQmpClient} for a client that
 * comes back.
 */
public final class QmpClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);

    private final Path socket;
    private final QmpClientOptions options;
    private final Channel channel;
    private final QmpConnectionHandler handler;
    private final EventLoopGroup ownedGroup;
    private final QmpGreeting greeting;
    private final AtomicBoolean closed = new AtomicBoolean();

    private QmpClient(Path socket, QmpClientOptions options, Channel channel, QmpConnectionHandler handler,
            EventLoopGroup ownedGroup, QmpGreeting greeting) {
        this.socket = socket;
        this.options = options;
        this.channel = channel;
        this.handler = handler;
        this.ownedGroup = ownedGroup;
        this.greeting = greeting;
    }

    /**
     * Connects to a QMP Unix socket, reads the greeting and negotiates capabilities. The future
     * completes with a ready client, or exceptionally with {@link QmpConnectException} (socket
     * missing or refused), {@link QmpTimeoutException} (no greeting or negotiation within
     * {@code options.connectTimeout()}), {@link QmpProtocolException} or
     * {@link QmpDisconnectedException} (peer closed during set-up).
     */
    public static CompletableFuture<QmpClient> connect(Path socket, QmpClientOptions options) {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(options, "options");
        CompletableFuture<QmpClient> result = new CompletableFuture<>();
        if (!Epoll.isAvailable()) {
            result.completeExceptionally(new QmpConnectException(socket, Epoll.unavailabilityCause()));
            return result;
        }
        EventLoopGroup ownedGroup = options.eventLoopGroup() == null ? newEventLoopGroup() : null;
        EventLoopGroup group = ownedGroup != null ? ownedGroup : options.eventLoopGroup();
        QmpConnectionHandler handler = new QmpConnectionHandler(socket.toString(), options);
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(EpollDomainSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        options.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("qmp-framer", new QmpFrameDecoder(options.maxMessageBytes()));
                        ch.pipeline().addLast("qmp-decoder", new QmpMessageDecoder());
                        ch.pipeline().addLast("qmp-connection", handler);
                    }
                });
        ChannelFuture connected;
        try {
            connected = bootstrap.connect(new DomainSocketAddress(socket.toString()));
        } catch (RuntimeException e) {
            shutdown(ownedGroup);
            result.completeExceptionally(new QmpConnectException(socket, e));
            return result;
        }
        connected.addListener(future -> {
            if (!future.isSuccess()) {
                shutdown(ownedGroup);
                result.completeExceptionally(new QmpConnectException(socket, future.cause()));
                return;
            }
            Channel channel = connected.channel();
            // The connect timeout covers greeting and negotiation too, not only connect(2).
            var timer = channel.eventLoop().schedule(
                    () -> handler.failHandshake(new QmpTimeoutException("connect", options.connectTimeout())),
                    options.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
            handler.ready().whenComplete((greeting, error) -> {
                timer.cancel(false);
                if (error != null) {
                    channel.close();
                    shutdown(ownedGroup);
                    result.completeExceptionally(error);
                } else {
                    LOG.debug("QMP connected to {} (QEMU {})", socket, greeting.version());
                    result.complete(new QmpClient(socket, options, channel, handler, ownedGroup, greeting));
                }
            });
        });
        return result;
    }

    /** {@link #execute(String, ObjectNode, Duration)} with the default command timeout. */
    public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
        return execute(command, arguments, options.commandTimeout());
    }

    /**
     * Runs one QMP command. The future completes with the {@code return} member (often an empty
     * object), or exceptionally with {@link QmpCommandException} (error reply),
     * {@link QmpTimeoutException} (no reply within {@code timeout}, counted from this call),
     * {@link QmpDisconnectedException} (connection dropped or closed; all pending commands fail at
     * once) or {@link QmpOverloadedException} (too many commands queued).
     *
     * @param arguments the {@code arguments} object, or {@code null}; copied, so the caller may reuse it
     */
    public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments, Duration timeout) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        if (closed.get()) {
            result.completeExceptionally(new QmpDisconnectedException(command + " not sent: QMP client closed"));
            return result;
        }
        ObjectNode copy = arguments == null ? null : arguments.deepCopy();
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            handler.submit(command, copy, timeout, result);
        } else {
            try {
                loop.execute(() -> handler.submit(command, copy, timeout, result));
            } catch (RejectedExecutionException e) {
                result.completeExceptionally(new QmpDisconnectedException(
                        command + " not sent: event loop shut down", e));
            }
        }
        return result;
    }

    /** The greeting QEMU sent on this connection (its version and offered capabilities). */
    public QmpGreeting greeting() {
        return greeting;
    }

    public Path socket() {
        return socket;
    }

    /** True while the connection is up and {@link #close()} was not called. */
    public boolean isConnected() {
        return !closed.get() && channel.isActive() && handler.isReady();
    }

    /**
     * Closes the connection; pending commands fail with {@link QmpDisconnectedException}. The
     * disconnect listener is not called. Idempotent. Off the event loop it waits (at most 5 s) for
     * the channel to close, so pending futures have failed when it returns.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        handler.markClosing();
        channel.close();
        if (!channel.eventLoop().inEventLoop()) {
            try {
                handler.inactive().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("QMP connection to {} did not close cleanly", socket, e);
            }
        }
        shutdown(ownedGroup);
    }

    /** A one-thread epoll group with daemon threads, for clients that were not given a group. */
    static EventLoopGroup newEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("qmp", true),
                EpollIoHandler.newFactory());
    }

    private static void shutdown(EventLoopGroup ownedGroup) {
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
