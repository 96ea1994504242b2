package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a QMP channel: runs the handshake (greeting, then {@code qmp_capabilities})
 * and afterwards hands every message to the {@link QmpCorrelator}.
 *
 * <pre>
 *   AWAIT_GREETING --greeting--> NEGOTIATING --{"return":{}}--> READY --channel closed--> CLOSED
 *         └──────────── anything else / error / close ──────────────────────────────────┘
 * </pre>
 *
 * <p>Every method except {@link #submit} and {@link #markClosing} runs on the channel's event
 * loop (Netty's contract); {@link #submit} must also be called there. {@link #markClosing} may be
 * called from any thread.
 */
final class QmpConnectionHandler extends SimpleChannelInboundHandler<QmpMessage> {

    private static final Logger LOG = LoggerFactory.getLogger(QmpConnectionHandler.class);

    private enum Phase { AWAIT_GREETING, NEGOTIATING, READY, CLOSED }

    private final String name;
    private final QmpClientOptions options;
    private final CompletableFuture<QmpGreeting> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> inactive = new CompletableFuture<>();
    private volatile boolean closing;
    private ChannelHandlerContext ctx;
    private QmpCorrelator correlator;
    private volatile Phase phase = Phase.AWAIT_GREETING; // written on the loop, read by isReady()
    private Throwable failure;

    QmpConnectionHandler(String name, QmpClientOptions options) {
        this.name = name;
        this.options = options;
    }

    /** Completes with the greeting once capabilities are negotiated, or fails if set-up fails. */
    CompletableFuture<QmpGreeting> ready() {
        return ready;
    }

    /** Completes once the channel is inactive and every pending command has failed. */
    CompletableFuture<Void> inactive() {
        return inactive;
    }

    /** From now on a disconnect is the user's doing: pending commands fail, no listener call. */
    void markClosing() {
        closing = true;
    }

    boolean isReady() {
        return phase == Phase.READY;
    }

    /** Event loop only. */
    void submit(String command, ObjectNode arguments, Duration timeout, CompletableFuture<JsonNode> result) {
        if (correlator == null) {
            result.completeExceptionally(new QmpDisconnectedException(command + " not sent: channel not active"));
            return;
        }
        correlator.submit(command, arguments, timeout, result);
    }

    /** Event loop only: gives up set-up (connect timeout) and closes the channel. */
    void failHandshake(Throwable cause) {
        if (!ready.isDone()) {
            failure = cause;
            ctx.close();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        this.correlator = new QmpCorrelator(this::send, this::schedule, options.eventListener(),
                options.maxInFlight(), options.maxQueued());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext context, QmpMessage message) {
        switch (phase) {
            case AWAIT_GREETING -> {
                if (!(message instanceof QmpGreeting greeting)) {
                    fail(context, new QmpProtocolException("expected QMP greeting, got " + message));
                    return;
                }
                phase = Phase.NEGOTIATING;
                LOG.debug("{}: QMP greeting from QEMU {}", name, greeting.version());
                CompletableFuture<JsonNode> negotiated = new CompletableFuture<>();
                correlator.submit("qmp_capabilities", null, options.connectTimeout(), negotiated);
                negotiated.whenComplete((value, error) -> {
                    if (error instanceof QmpTimeoutException timeout) {
                        fail(context, timeout);
                    } else if (error != null) {
                        fail(context, new QmpProtocolException("capability negotiation failed: "
                                + error.getMessage(), error));
                    } else if (phase == Phase.NEGOTIATING) {
                        phase = Phase.READY;
                        ready.complete(greeting);
                    }
                });
            }
            case NEGOTIATING, READY -> correlator.onMessage(message);
            case CLOSED -> { } // bytes still buffered after close: nobody is listening any more
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        fail(context, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        Phase was = phase;
        phase = Phase.CLOSED;
        Throwable cause = failure;
        String why = closing ? "QMP client closed"
                : cause != null ? "QMP connection failed: " + cause.getMessage()
                : "QMP connection closed by peer";
        QmpDisconnectedException disconnected = new QmpDisconnectedException(why, cause);
        correlator.failAll(disconnected);
        if (!ready.isDone()) {
            ready.completeExceptionally(cause instanceof QmpException qmp ? qmp : disconnected);
        } else if (was == Phase.READY && !closing) {
            LOG.info("{}: {}", name, why);
            try {
                options.disconnectListener().accept(disconnected);
            } catch (RuntimeException e) {
                LOG.warn("{}: QMP disconnect listener threw", name, e);
            }
        }
        inactive.complete(null);
        context.fireChannelInactive();
    }

    private void fail(ChannelHandlerContext context, Throwable cause) {
        if (failure == null) {
            failure = cause;
            if (closing) {
                LOG.debug("{}: error while closing: {}", name, cause.toString());
            } else if (cause instanceof java.io.IOException) {
                // Socket errors are how a peer usually leaves (QEMU resets the socket on quit).
                LOG.debug("{}: socket error: {}", name, cause.toString());
            } else {
                LOG.warn("{}: closing QMP connection: {}", name, cause.toString());
            }
        }
        context.close();
    }

    private void send(ObjectNode command) {
        byte[] json;
        try {
            json = QmpJson.MAPPER.writeValueAsBytes(command);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // cannot happen for a tree of plain nodes
        }
        // QEMU does not need a separator; a newline keeps socket traces readable.
        ByteBuf buffer = ctx.alloc().buffer(json.length + 1).writeBytes(json).writeByte('\n');
        ctx.writeAndFlush(buffer).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    private QmpCorrelator.Cancellable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> future = ctx.executor().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }
}
