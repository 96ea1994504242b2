package io.vmflex.migration;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Target side of the migration data plane: a TCP server that runs the hello on every connection
 * and, for accepted channels, connects the expectation's {@link LocalEndpoint} (the target QEMU's
 * incoming Unix socket) and starts a {@link Relay}. Nothing reaches the local endpoint, not even a
 * connection, before the peer proved the cluster secret. With {@link RelayOptions#encryption()} on (the
 * default) every connection, data or control, must ask for sealed records, or it is refused with
 * {@link HelloStatus#ENCRYPTION_REQUIRED}; with it off, connections run as their source asks.
 *
 * <p>This is the one port vmflex opens to the network, so strangers must not be able to block it:
 * a connection from an address the {@link PeerFilter} does not admit is closed before a byte is
 * read; the hello runs on its own short-lived thread, at most {@value #MAX_HANDSHAKES} at a time and
 * {@value #MAX_HANDSHAKES_PER_PEER} per remote address, each bounded by the handshake timeout; a
 * connection gives its handshake slot back as soon as it authenticated (an authenticated control
 * connection keeps its thread until its one request, at most {@link MigrationControl#REQUEST_WAIT},
 * at most {@value #MAX_CONTROL_CONNECTIONS} at a time); a failing {@code accept} (out of file
 * descriptors) backs off instead of spinning.
 *
 * <p>Thread-safe. {@link #close()} is idempotent: it stops accepting, aborts handshakes, closes every
 * expectation and relay, and returns once all threads it started have ended.
 */
public final class MigrationListener implements AutoCloseable {

    public static final int DEFAULT_PORT = 7451;
    static final int MAX_HANDSHAKES = 64;
    static final int MAX_HANDSHAKES_PER_PEER = 16;
    static final int MAX_CONTROL_CONNECTIONS = 256;
    private static final Logger LOG = LoggerFactory.getLogger(MigrationListener.class);
    private static final AtomicLong CONNECTION_IDS = new AtomicLong();

    private final ServerSocketChannel server;
    private final ClusterSecret secret;
    private final RelayOptions options;
    private final MigrationAcceptor acceptor;
    private final HandshakeAdmission admission = new HandshakeAdmission(MAX_HANDSHAKES, MAX_HANDSHAKES_PER_PEER);
    private final Semaphore controlSlots = new Semaphore(MAX_CONTROL_CONNECTIONS);
    private final AtomicLong refused = new AtomicLong();
    private final Set<SocketChannel> handshaking = ConcurrentHashMap.newKeySet();
    private final Set<Thread> handshakeThreads = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptThread;
    private volatile MigrationControl.Handler controlHandler;

    private MigrationListener(ServerSocketChannel server, ClusterSecret secret, RelayOptions options,
            MigrationAcceptor acceptor) {
        this.server = server;
        this.secret = secret;
        this.options = options;
        this.acceptor = acceptor;
        this.acceptThread = Thread.ofPlatform().daemon().name("vmflex-migration-listener").unstarted(this::acceptLoop);
    }

    /** Binds {@code address} (port 0 picks a free port) and starts accepting. */
    public static MigrationListener start(InetSocketAddress address, ClusterSecret secret, RelayOptions options)
            throws IOException {
        return start(address, secret, options, new MigrationAcceptor());
    }

    static MigrationListener start(InetSocketAddress address, ClusterSecret secret, RelayOptions options,
            MigrationAcceptor acceptor) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (options.socketBufferBytes() > 0) {
                // Accepted sockets inherit the receive buffer; it must be set before listen for a large window.
                server.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
            }
            server.bind(address, MAX_HANDSHAKES);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        MigrationListener listener = new MigrationListener(server, secret, options, acceptor);
        listener.acceptThread.start();
        LOG.info("migration listener on {}", listener.address());
        return listener;
    }

    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("listener closed", e);
        }
    }

    /** See {@link MigrationAcceptor#expect}. */
    public Expectation expect(UUID migrationId, int channels, Duration ttl, LocalEndpoint endpoint) {
        return expect(migrationId, channels, ttl, endpoint, Duration.ZERO);
    }

    /** See {@link MigrationAcceptor#expect(UUID, int, Duration, LocalEndpoint, Duration)}. */
    public Expectation expect(UUID migrationId, int channels, Duration ttl, LocalEndpoint endpoint, Duration deadPeerAfter) {
        if (closed.get()) {
            throw new IllegalStateException("listener closed");
        }
        return acceptor.expect(migrationId, channels, ttl, endpoint, deadPeerAfter);
    }

    /**
     * Accepts authenticated control connections ({@link MigrationControl}) from now on and hands
     * each request to {@code handler} on the connection's own thread.
     */
    public void onControl(MigrationControl.Handler handler) {
        this.controlHandler = handler;
    }

    /**
     * From now on, connections from addresses {@code filter} does not admit are closed before a
     * byte is read (the daemon passes its configured peers). The default admits everyone.
     */
    public void admitOnly(PeerFilter filter) {
        admission.filter(filter);
    }

    /** Connections turned away before their hello (not a peer, or too many handshakes). */
    public long refusedConnections() {
        return refused.get();
    }

    private void acceptLoop() {
        AcceptBackoff backoff = new AcceptBackoff();
        while (!closed.get()) {
            SocketChannel ch;
            try {
                ch = server.accept();
                backoff.onSuccess();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed.get()) {
                    return;
                }
                long pause = backoff.onFailure();
                LOG.warn("accept failed, pausing {} ms: {}", pause, e.toString());
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            InetAddress peer = remoteAddress(ch);
            if (peer == null) {
                Relay.closeQuietly(ch);
                continue;
            }
            HandshakeAdmission.Decision decision = admission.admit(peer);
            if (decision.slot() == null) {
                refused.incrementAndGet();
                if (decision.refusal() == HandshakeAdmission.Refusal.NOT_A_PEER) {
                    LOG.debug("closed connection from {}: not a configured peer", remote(ch));
                } else {
                    LOG.warn("dropping {}: {}", remote(ch), decision.refusal());
                }
                Relay.closeQuietly(ch);
                continue;
            }
            handshaking.add(ch);
            Thread t = Thread.ofPlatform().daemon()
                    .name("vmflex-migration-handshake-" + CONNECTION_IDS.incrementAndGet())
                    .unstarted(() -> handshake(ch, decision.slot()));
            handshakeThreads.add(t);
            if (closed.get()) {
                // close() may have swept the sets already; do not start work it cannot see.
                handshakeThreads.remove(t);
                handshaking.remove(ch);
                Relay.closeQuietly(ch);
                decision.slot().release();
                return;
            }
            t.start();
        }
    }

    private void handshake(SocketChannel tcp, HandshakeAdmission.Slot slot) {
        try {
            configure(tcp, options);
            MigrationControl.Handler control = controlHandler;
            Handshake.Accepted accepted = Handshake.asTarget(tcp, secret, acceptor, options.handshakeTimeout(),
                    control != null, options.encryption());
            // Authenticated: what follows is no longer a handshake and must not hold a stranger's slot.
            slot.release();
            MigrationHello hello = accepted.hello();
            if (accepted.expectation() == null) {
                if (!controlSlots.tryAcquire()) {
                    LOG.warn("too many control connections; closing one from {}", remote(tcp));
                    Relay.closeQuietly(tcp);
                    return;
                }
                try {
                    MigrationControl.serve(tcp, accepted.protection(), control, MigrationControl.REQUEST_WAIT);
                } finally {
                    controlSlots.release();
                }
                return;
            }
            String name = "vmflex-relay-" + hello.migrationId().toString().substring(0, 8) + "-" + hello.channel() + "-tgt";
            accepted.expectation().add(Relay.start(name, accepted.local(), tcp,
                    options.withDeadPeerAfter(accepted.expectation().deadPeerAfter()), accepted.protection()));
            LOG.info("accepted migration {} channel {} from {}, {}", hello.migrationId(), hello.channel(), remote(tcp),
                    accepted.protection().label());
        } catch (HandshakeException e) {
            LOG.info("refused migration connection from {}: {}", remote(tcp), e.getMessage());
            Relay.closeQuietly(tcp);
        } catch (IOException | RuntimeException e) {
            LOG.warn("migration connection from {} failed: {}", remote(tcp), e.toString());
            Relay.closeQuietly(tcp);
        } finally {
            handshaking.remove(tcp);
            handshakeThreads.remove(Thread.currentThread());
            slot.release();
        }
    }

    static void configure(SocketChannel tcp, RelayOptions options) throws IOException {
        tcp.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
        if (options.socketBufferBytes() > 0) {
            tcp.setOption(StandardSocketOptions.SO_SNDBUF, options.socketBufferBytes());
            tcp.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
        }
    }

    /** The peer's address, or null for a connection that is already gone. */
    private static InetAddress remoteAddress(SocketChannel ch) {
        try {
            return ch.getRemoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String remote(SocketChannel ch) {
        try {
            return String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Relay.closeQuietly(server);
        join(acceptThread);
        handshaking.forEach(Relay::closeQuietly);
        for (Thread t : List.copyOf(handshakeThreads)) {
            join(t);
        }
        acceptor.closeAll();
        LOG.info("migration listener closed");
    }

    private static void join(Thread t) {
        try {
            t.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
