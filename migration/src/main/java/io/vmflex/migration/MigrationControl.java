package io.vmflex.migration;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control path between daemons: after the same mutual HMAC hello as a data channel, but on
 * channel {@value #CHANNEL} and without any prior expectation, the source sends ONE request and the
 * target answers ONE response, each a 4-byte big-endian length and that many bytes of UTF-8 (the
 * daemons put JSON there), at most {@value #MAX_MESSAGE_BYTES} bytes. The handler may take as long as
 * it needs (the caller bounds the wait).
 *
 * <p>A source may open the connection ahead of its request ({@link Connection#open}) and hold it for
 * up to {@link #REQUEST_WAIT}: the commit of a migration is sent with the guest paused, where a TCP
 * connect and the hello's round trips would all be guest pause. The peer has proved the secret by
 * then, so holding is no door for strangers; the listener's connection slots still bound how many.
 *
 * <p>Stateless; {@link #call} is safe from any thread.
 */
public final class MigrationControl {

    /** The hello channel index that marks a control connection (never a data channel's index). */
    public static final int CHANNEL = 0xFFFF;
    public static final int MAX_MESSAGE_BYTES = 1 << 20;
    /** How long the target waits for the request on an authenticated control connection. */
    public static final Duration REQUEST_WAIT = Duration.ofMinutes(10);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger LOG = LoggerFactory.getLogger(MigrationControl.class);

    /** The target daemon's answer to one request; runs on the connection's own thread. */
    @FunctionalInterface
    public interface Handler {
        String handle(String request) throws Exception;
    }

    private MigrationControl() {
    }

    /**
     * Connects to {@code target}, authenticates both ways, sends {@code request} and waits at most
     * {@code timeout} for the response.
     *
     * @throws HandshakeException if the target refused (e.g. a different cluster secret)
     * @throws IOException on any I/O failure, an oversized message or a timeout
     */
    public static String call(InetSocketAddress target, ClusterSecret secret, String request, Duration timeout,
            RelayOptions options) throws IOException {
        byte[] body = checkedBody(request);
        try (Connection c = Connection.open(target, secret, options)) {
            return c.send(body, timeout);
        }
    }

    /**
     * An authenticated control connection that carries one request, opened before it is needed.
     *
     * <p>Not thread-safe.
     */
    public static final class Connection implements AutoCloseable {
        private final SocketChannel tcp;
        private final long openedNanos = System.nanoTime();

        private Connection(SocketChannel tcp) {
            this.tcp = tcp;
        }

        /**
         * Connects to {@code target} and authenticates both ways, within the handshake timeout.
         *
         * @throws HandshakeException if the target refused (e.g. a different cluster secret)
         */
        public static Connection open(InetSocketAddress target, ClusterSecret secret, RelayOptions options)
                throws IOException {
            SocketChannel tcp = SocketChannel.open();
            try {
                MigrationListener.configure(tcp, options);
                tcp.socket().connect(target, (int) Math.max(1, options.handshakeTimeout().toMillis()));
                byte[] nonce = new byte[HelloCodec.NONCE_LENGTH];
                RANDOM.nextBytes(nonce);
                Handshake.asSource(tcp, new MigrationHello(HelloCodec.VERSION, CHANNEL, UUID.randomUUID(), nonce), secret,
                        options.handshakeTimeout());
                return new Connection(tcp);
            } catch (IOException | RuntimeException e) {
                Relay.closeQuietly(tcp);
                throw e;
            }
        }

        /** How long ago it was opened. */
        public Duration age() {
            return Duration.ofNanos(System.nanoTime() - openedNanos);
        }

        /**
         * Whether the target still holds it: no end of stream and nothing unasked for in it (a
         * non-blocking look). A target that restarted or gave up waiting closed it.
         */
        public boolean held() {
            try {
                tcp.configureBlocking(false);
                int n = tcp.read(ByteBuffer.allocate(1));
                tcp.configureBlocking(true);
                return n == 0;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        /** Sends the request and waits at most {@code timeout} for the response; closes the connection. */
        public String call(String request, Duration timeout) throws IOException {
            return send(checkedBody(request), timeout);
        }

        private String send(byte[] body, Duration timeout) throws IOException {
            try (tcp) {
                writeMessage(tcp, body);
                return new String(readMessage(tcp, System.nanoTime() + timeout.toNanos()), StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            Relay.closeQuietly(tcp);
        }
    }

    private static byte[] checkedBody(String request) throws IOException {
        byte[] body = request.getBytes(StandardCharsets.UTF_8);
        if (body.length > MAX_MESSAGE_BYTES) {
            throw new IOException("control request of " + body.length + " bytes exceeds " + MAX_MESSAGE_BYTES);
        }
        return body;
    }

    /** Target side, after the hello: one request in, one response out, then close. */
    static void serve(SocketChannel tcp, Handler handler, Duration requestTimeout) throws IOException {
        try (tcp) {
            byte[] request;
            try {
                request = readMessage(tcp, System.nanoTime() + requestTimeout.toNanos());
            } catch (HandshakeException e) {
                // A source that held the connection and needed it no more (its migration failed or
                // was cancelled, or it replaced an old one) closes it: nothing to answer, no refusal.
                LOG.debug("control connection ended without a request: {}", e.getMessage());
                return;
            }
            String response;
            try {
                response = handler.handle(new String(request, StandardCharsets.UTF_8));
            } catch (Exception e) {
                response = "{\"ok\":false,\"error\":" + quote(String.valueOf(e.getMessage())) + "}";
            }
            byte[] out = response.getBytes(StandardCharsets.UTF_8);
            if (out.length > MAX_MESSAGE_BYTES) {
                throw new IOException("control response of " + out.length + " bytes exceeds " + MAX_MESSAGE_BYTES);
            }
            writeMessage(tcp, out);
        }
    }

    private static void writeMessage(SocketChannel tcp, byte[] body) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
        while (b.hasRemaining()) {
            tcp.write(b);
        }
    }

    private static byte[] readMessage(SocketChannel tcp, long deadline) throws IOException {
        int length = ByteBuffer.wrap(Handshake.readFully(tcp, 4, deadline)).getInt();
        if (length < 0 || length > MAX_MESSAGE_BYTES) {
            throw new IOException("control message of " + Integer.toUnsignedString(length) + " bytes exceeds "
                    + MAX_MESSAGE_BYTES);
        }
        return Handshake.readFully(tcp, length, deadline);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
