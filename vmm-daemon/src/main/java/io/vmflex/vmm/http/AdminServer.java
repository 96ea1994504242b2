package io.vmflex.vmm.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves the admin API: HTTP/1.1 on a Unix stream socket, created with mode 0660 (or as
 * configured) and owned by the admin group, every connection checked by SO_PEERCRED.
 *
 * <p>HTTP runs on one Netty event loop, the routes on virtual threads ({@link AdminHandler}); an
 * open stream holds at most {@code streamLimitBytes} for a slow client ({@link ChunkedStream}),
 * counted in {@link #streams()}.
 *
 * <p>Start once, close once.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    static final int MAX_BODY_BYTES = 1024 * 1024;
    /** What one open stream may hold for a client that does not keep up, by default. */
    public static final long STREAM_LIMIT_BYTES = 1024 * 1024;

    private final Path socket;
    private final String socketMode;
    private final String adminGroup;
    private final PeerAuthorizer authorizer;
    private final List<Route> routes;
    private final long streamLimitBytes;
    private final StreamStats streams = new StreamStats();
    private EventLoopGroup group;
    private ExecutorService blocking;
    private Channel server;

    /**
     * @param socketMode permissions of the socket file, e.g. {@code rw-rw----}
     * @param adminGroup group that owns the socket file, or null to leave it as created
     */
    public AdminServer(Path socket, String socketMode, String adminGroup, PeerAuthorizer authorizer, List<Route> routes) {
        this(socket, socketMode, adminGroup, authorizer, routes, STREAM_LIMIT_BYTES);
    }

    /** @param streamLimitBytes what one open stream may hold for a client that does not keep up */
    public AdminServer(Path socket, String socketMode, String adminGroup, PeerAuthorizer authorizer, List<Route> routes,
                       long streamLimitBytes) {
        this.socket = socket;
        this.socketMode = socketMode;
        this.adminGroup = adminGroup;
        this.authorizer = authorizer;
        this.routes = List.copyOf(routes);
        this.streamLimitBytes = streamLimitBytes;
    }

    /** The open streams and what they hold; any thread. */
    public StreamStats streams() {
        return streams;
    }

    public void start() throws IOException {
        Files.createDirectories(socket.toAbsolutePath().getParent());
        removeStaleSocket();
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("admin-api-", 0).factory());
        ExecutorService routesRunOn = blocking;
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                    @Override
                    protected void initChannel(EpollDomainSocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                                .addLast(new AdminHandler(routes, authorizer, routesRunOn, streamLimitBytes, streams));
                    }
                });
        try {
            server = b.bind(new DomainSocketAddress(socket.toString())).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + socket, e);
        } catch (Exception e) {
            group.shutdownGracefully();
            blocking.shutdownNow();
            throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(socketMode));
        if (adminGroup != null) {
            GroupPrincipal g = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(adminGroup);
            Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(g);
        }
        LOG.info("admin API listening on {} (mode {}, group {})", socket, socketMode, adminGroup == null ? "-" : adminGroup);
    }

    /** A socket file left by a dead daemon is removed; one a live daemon answers on is an error. */
    private void removeStaleSocket() throws IOException {
        if (!Files.exists(socket)) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            throw new IOException("another vmmd is already listening on " + socket);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("another vmmd")) {
                throw e;
            }
            Files.deleteIfExists(socket);
        }
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
            server = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
        if (blocking != null) {
            // Routes still running have nobody left to answer to.
            blocking.shutdownNow();
            blocking = null;
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", socket, e.toString());
        }
    }
}
