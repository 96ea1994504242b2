package io.vmflex.vmm.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vmflex.api.json.ApiMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * One admin API connection: checks the peer once, then parses each request into an
 * {@link ApiRequest}, finds its {@link Route} and writes the answer. Knows HTTP, not VMs.
 *
 * <p>Routes run on {@code blocking}, never on the event loop: a route may wait (for a lock, a
 * disk, a VM's thread) without holding up any other connection. The requests of one connection
 * are answered one at a time, in order.
 *
 * <p>One instance per connection; its state is touched only on that connection's event loop.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
    private static final ObjectMapper JSON = ApiMapper.json();

    private final List<Route> routes;
    private final PeerAuthorizer authorizer;
    private final Executor blocking;
    private final long streamLimitBytes;
    private final StreamStats streams;
    private ApiRequest.PeerCredentials peer;
    private boolean allowed;
    /** Completes once the answer to this connection's latest request was written. */
    private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

    AdminHandler(List<Route> routes, PeerAuthorizer authorizer, Executor blocking, long streamLimitBytes, StreamStats streams) {
        this.routes = routes;
        this.authorizer = authorizer;
        this.blocking = blocking;
        this.streamLimitBytes = streamLimitBytes;
        this.streams = streams;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        try {
            PeerCredentials c = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials();
            int[] gids = c.gids();
            peer = new ApiRequest.PeerCredentials(c.pid(), c.uid(), gids.length > 0 ? gids[0] : -1);
            allowed = authorizer.allows(peer);
        } catch (IOException e) {
            LOG.warn("cannot read peer credentials: {}", e.toString());
            allowed = false;
        }
        if (!allowed) {
            LOG.warn("admin API refused peer pid={} uid={} gid={}", peer == null ? -1 : peer.pid(),
                    peer == null ? -1 : peer.uid(), peer == null ? -1 : peer.gid());
        }
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!allowed) {
            writeError(ctx, 403, "permission denied: uid " + (peer == null ? "?" : peer.uid())
                    + " is neither root nor in the admin group", false);
            return;
        }
        if (!req.decoderResult().isSuccess()) {
            writeError(ctx, 400, "malformed HTTP request: " + req.decoderResult().cause().getMessage(), false);
            return;
        }
        QueryStringDecoder qs = new QueryStringDecoder(req.uri());
        String path = qs.path();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String method = req.method().name();
        boolean pathKnown = false;
        for (Route r : routes) {
            Map<String, String> params = r.match(path);
            if (params == null) {
                continue;
            }
            pathKnown = true;
            if (!r.method().equals(method)) {
                continue;
            }
            ApiRequest api = new ApiRequest(method, path, qs.parameters(), req.headers().get(HttpHeaderNames.CONTENT_TYPE),
                    ByteBufUtil.getBytes(req.content()), params, peer);
            answerInTurn(ctx, r.handler(), api, keepAlive);
            return;
        }
        ApiException unknown = pathKnown ? new ApiException(405, "method " + method + " not allowed on " + path)
                : new ApiException(404, "no such resource: " + path);
        answerInTurn(ctx, request -> CompletableFuture.failedFuture(unknown), null, keepAlive);
    }

    /** After the previous request's answer: runs the route on {@code blocking}, writes its answer on the loop. */
    private void answerInTurn(ChannelHandlerContext ctx, Function<ApiRequest, CompletableFuture<ApiResponse>> handler,
                              ApiRequest api, boolean keepAlive) {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        previous.whenComplete((ignored, e) -> {
            try {
                blocking.execute(() -> {
                    CompletableFuture<ApiResponse> answer;
                    try {
                        answer = handler.apply(api);
                    } catch (RuntimeException ex) {
                        answer = CompletableFuture.failedFuture(ex);
                    }
                    answer.whenComplete((resp, err) -> onLoop(ctx, () -> {
                        try {
                            if (err != null) {
                                writeFailure(ctx, err, keepAlive);
                            } else {
                                write(ctx, resp, keepAlive);
                            }
                        } finally {
                            answered.complete(null);
                        }
                    }));
                });
            } catch (RejectedExecutionException stopping) {
                onLoop(ctx, () -> {
                    writeError(ctx, 503, "the daemon is stopping", false);
                    answered.complete(null);
                });
            }
        });
        previous = answered;
    }

    private static void onLoop(ChannelHandlerContext ctx, Runnable r) {
        try {
            ctx.executor().execute(r);
        } catch (RejectedExecutionException e) {
            LOG.debug("admin API answer dropped: the server is stopping");
        }
    }

    private void write(ChannelHandlerContext ctx, ApiResponse resp, boolean keepAlive) {
        switch (resp) {
            case ApiResponse.Json j -> {
                byte[] body;
                try {
                    body = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(j.body());
                } catch (IOException e) {
                    writeError(ctx, 500, "cannot serialise response: " + e.getMessage(), keepAlive);
                    return;
                }
                writeFull(ctx, j.status(), "application/json", append(body, (byte) '\n'), keepAlive);
            }
            case ApiResponse.Text t -> writeFull(ctx, t.status(), "text/plain; charset=utf-8",
                    t.body().getBytes(StandardCharsets.UTF_8), keepAlive);
            case ApiResponse.Stream s -> startStream(ctx, s);
        }
    }

    private static byte[] append(byte[] a, byte b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = b;
        return r;
    }

    private void startStream(ChannelHandlerContext ctx, ApiResponse.Stream s) {
        try {
            ChunkedStream.start(ctx.channel(), s, streamLimitBytes, streams);
        } catch (RuntimeException e) {
            // The head is out: the only way left to tell the client is to end the connection.
            LOG.error("admin API stream failed to start", e);
            ctx.close();
        }
    }

    private void writeFailure(ChannelHandlerContext ctx, Throwable err, boolean keepAlive) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof ApiException api) {
            writeError(ctx, api.status(), api.getMessage(), keepAlive);
        } else {
            LOG.error("admin API request failed", cause);
            writeError(ctx, 500, "internal error: " + cause, keepAlive);
        }
    }

    static ObjectNode errorBody(int status, String message) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("code", status);
        e.put("message", message);
        return root;
    }

    private void writeError(ChannelHandlerContext ctx, int status, String message, boolean keepAlive) {
        byte[] body;
        try {
            body = append(JSON.writeValueAsBytes(errorBody(status, message)), (byte) '\n');
        } catch (IOException e) {
            body = ("{\"error\":{\"code\":" + status + "}}\n").getBytes(StandardCharsets.UTF_8);
        }
        writeFull(ctx, status, "application/json", body, keepAlive);
    }

    private static void writeFull(ChannelHandlerContext ctx, int status, String contentType, byte[] body, boolean keepAlive) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (keepAlive) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(resp);
        } else {
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            writeError(ctx, 413, "request body larger than " + AdminServer.MAX_BODY_BYTES + " bytes", false);
            return;
        }
        LOG.debug("admin connection error: {}", cause.toString());
        ctx.close();
    }
}
