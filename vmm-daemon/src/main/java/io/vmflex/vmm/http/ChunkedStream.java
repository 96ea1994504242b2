package io.vmflex.vmm.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One chunked response that stays open ({@code logs -f}, {@code events -w}): what the route writes
 * goes to the client as HTTP chunks, and the daemon holds at most {@code limitBytes} of it for a
 * client that reads slowly (plus one chunk when nothing else waits, so a large single answer such
 * as a flame graph still goes out). A client that falls further behind is dropped: writes stop, the
 * route's last line saying why is queued, the stream ends and the connection is closed, at once if
 * the client has not read that within {@link #GRACE}.
 *
 * <p>The route's cleanups run exactly once, when the connection closes, also when it closed before
 * the route registered them (a client that left while its request was being answered).
 *
 * <p>Thread-safe: routes write from any thread (the console's reader, whoever publishes an event).
 */
final class ChunkedStream implements ApiResponse.StreamSink {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkedStream.class);
    /** How long a dropped client has to read its last line before the connection is cut. */
    static final Duration GRACE = Duration.ofSeconds(10);

    private final Channel channel;
    private final long limitBytes;
    private final StreamStats stats;
    private final ApiResponse.Stream response;
    /** Guarded by this, as are the fields below. */
    private final List<Runnable> cleanups = new ArrayList<>();
    /** Bytes handed to Netty and not yet accepted by the socket. */
    private long pending;
    /** No more writes: the route closed the stream, the client fell behind, or the connection closed. */
    private boolean ended;
    /** The connection closed and the cleanups ran (or run as they are registered). */
    private boolean closed;

    private ChunkedStream(Channel channel, ApiResponse.Stream response, long limitBytes, StreamStats stats) {
        this.channel = channel;
        this.response = response;
        this.limitBytes = limitBytes;
        this.stats = stats;
    }

    /**
     * Sends the response head and hands the stream to the route. On a connection that is closed
     * already the route is not started at all.
     */
    static ChunkedStream start(Channel channel, ApiResponse.Stream response, long limitBytes, StreamStats stats) {
        ChunkedStream s = new ChunkedStream(channel, response, limitBytes, stats);
        stats.opened();
        // First, so that a close at any later point runs whatever the route registers.
        channel.closeFuture().addListener(f -> s.connectionClosed());
        if (!channel.isActive()) {
            return s;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        HttpUtil.setTransferEncodingChunked(head, true);
        channel.writeAndFlush(head);
        response.start().accept(s);
        return s;
    }

    @Override
    public void write(String chunk) {
        byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            return;
        }
        synchronized (this) {
            if (ended) {
                return;
            }
            if (pending > 0 && pending + bytes.length > limitBytes) {
                dropSlowReader();
                return;
            }
            send(bytes);
        }
    }

    /** Under this: hands {@code bytes} to Netty, counted until the socket took them. */
    private void send(byte[] bytes) {
        int n = bytes.length;
        pending += n;
        stats.buffered(n, pending);
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes))).addListener(f -> sent(n));
    }

    /** Written to the socket, or dropped with the connection: either way no longer held. */
    private synchronized void sent(int n) {
        pending -= n;
        stats.sent(n);
    }

    /** Under this: the client is more than the limit behind; it gets the route's last line, then the end. */
    private void dropSlowReader() {
        ended = true;
        stats.slowReaderClosed();
        String why = "stream closed by vmmd: the client fell more than " + limitBytes + " bytes behind";
        LOG.info("admin API: {} ({})", why, channel.remoteAddress());
        send(response.lastLine().apply(why).getBytes(StandardCharsets.UTF_8));
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onClose(Runnable cleanup) {
        synchronized (this) {
            if (!closed) {
                cleanups.add(cleanup);
                return;
            }
        }
        cleanup.run();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            // Under this: after every chunk the route wrote before.
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void connectionClosed() {
        List<Runnable> toRun;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ended = true;
            toRun = List.copyOf(cleanups);
            cleanups.clear();
        }
        stats.closed();
        for (Runnable r : toRun) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("admin API stream cleanup failed", e);
            }
        }
    }
}
