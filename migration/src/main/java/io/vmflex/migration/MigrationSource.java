package io.vmflex.migration;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source side of the migration data plane: listens on a daemon-owned Unix socket for the source
 * QEMU's connections ({@code migrate uri=unix:<path>}) and relays each to the target daemon over
 * its own authenticated TCP connection, sealed unless {@link RelayOptions#encryption()} is off.
 *
 * <p>One thread accepts QEMU's connections in order and numbers them 0, 1, 2…; it connects and
 * completes the hello of channel {@code n} before accepting channel {@code n+1}, so the target
 * connects its QEMU in the same order the source QEMU connected (QEMU 7.2 takes the first incoming
 * connection as the main channel). A handshake is bounded by the handshake timeout; QEMU's
 * connections wait in the Unix socket's backlog meanwhile.
 *
 * <p>Thread-safe. {@link #close()} is idempotent, removes the socket file, closes every relay and
 * returns once all threads it started have ended.
 */
public final class MigrationSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationSource.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path path;
    private final ServerSocketChannel server;
    private final InetSocketAddress target;
    private final UUID migrationId;
    private final int firstChannel;
    private final int channels;
    private final ClusterSecret secret;
    private final RelayOptions options;
    private final RelayGroup group;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptThread;
    private volatile SocketChannel connecting;

    private MigrationSource(Path path, ServerSocketChannel server, InetSocketAddress target, UUID migrationId,
            int firstChannel, int channels, ClusterSecret secret, RelayOptions options) {
        this.path = path;
        this.server = server;
        this.target = target;
        this.migrationId = migrationId;
        this.firstChannel = firstChannel;
        this.channels = channels;
        this.secret = secret;
        this.options = options;
        this.group = new RelayGroup(channels);
        this.acceptThread = Thread.ofPlatform().daemon()
                .name("vmflex-migration-source-" + migrationId.toString().substring(0, 8)).unstarted(this::run);
    }

    /**
     * Binds {@code unixListenPath} (which must not exist) and starts waiting for QEMU. Returns once
     * the socket is listening, so QEMU may be told to migrate to it right away.
     */
    public static MigrationSource open(Path unixListenPath, InetSocketAddress target, UUID migrationId, int channels,
            ClusterSecret secret, RelayOptions options) throws IOException {
        return open(unixListenPath, target, migrationId, 0, channels, secret, options);
    }

    /**
     * As {@link #open(Path, InetSocketAddress, UUID, int, ClusterSecret, RelayOptions)}, numbering the
     * connections from {@code firstChannel}: a second source of the same migration on another socket
     * (the root disk's NBD connection next to QEMU's migration connections) relays channels the
     * target routes elsewhere.
     */
    public static MigrationSource open(Path unixListenPath, InetSocketAddress target, UUID migrationId, int firstChannel,
            int channels, ClusterSecret secret, RelayOptions options) throws IOException {
        if (channels < 1 || firstChannel < 0 || firstChannel + channels > 0xFFFF) {
            throw new IllegalArgumentException("channels " + firstChannel + ".." + (firstChannel + channels - 1)
                    + " must lie in 0..65534");
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(unixListenPath), channels);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        MigrationSource source = new MigrationSource(unixListenPath, server, target, migrationId, firstChannel, channels,
                secret, options);
        source.acceptThread.start();
        return source;
    }

    public Path path() {
        return path;
    }

    public UUID migrationId() {
        return migrationId;
    }

    /** Relays started so far, in channel order. */
    public List<Relay> relays() {
        return group.relays();
    }

    /**
     * Completes when every channel's relay finished cleanly; completes exceptionally on the first
     * handshake or relay failure (every other relay is then closed), or on {@link #close()}.
     */
    public CompletableFuture<Void> completion() {
        return group.completion();
    }

    private void run() {
        try {
            for (int channel = firstChannel; channel < firstChannel + channels && !closed.get(); channel++) {
                SocketChannel qemu = server.accept();
                SocketChannel tcp = null;
                try {
                    tcp = connect();
                    MigrationHello hello = new MigrationHello(HelloCodec.VERSION, channel, migrationId, nonce(),
                            options.encryption());
                    ChannelProtection protection = Handshake.asSource(tcp, hello, secret, options.handshakeTimeout());
                    String name = "vmflex-relay-" + migrationId.toString().substring(0, 8) + "-" + channel + "-src";
                    group.add(Relay.start(name, qemu, tcp, options, protection));
                    LOG.info("migration {} channel {} relaying to {}, {}", migrationId, channel, target, protection.label());
                } catch (IOException | RuntimeException e) {
                    Relay.closeQuietly(qemu);
                    Relay.closeQuietly(tcp);
                    throw e;
                } finally {
                    connecting = null;
                }
            }
        } catch (ClosedChannelException e) {
            // close() was called; completion already reflects it.
        } catch (IOException | RuntimeException e) {
            if (!closed.get()) {
                LOG.warn("migration {} source failed: {}", migrationId, e.toString());
                group.fail(e);
            }
        } finally {
            closeServer();
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel tcp = SocketChannel.open();
        connecting = tcp;
        try {
            MigrationListener.configure(tcp, options);
            tcp.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            tcp.socket().connect(target, (int) Math.max(1, options.handshakeTimeout().toMillis()));
            return tcp;
        } catch (IOException | RuntimeException e) {
            tcp.close();
            throw e;
        }
    }

    private static byte[] nonce() {
        byte[] nonce = new byte[HelloCodec.NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    private void closeServer() {
        Relay.closeQuietly(server);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", path, e.toString());
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeServer();
        Relay.closeQuietly(connecting);
        try {
            acceptThread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.close();
    }
}
