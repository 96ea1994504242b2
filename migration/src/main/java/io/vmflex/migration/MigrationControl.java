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
 * daemons put {@link ControlCodec}'s JSON there, through {@link ControlChannel}), at most
 * {@value #MAX_MESSAGE_BYTES} bytes. The handler may take as long as it needs (the caller bounds the wait). On an encrypted connection (the default, see
 * {@link RelayOptions#encryption()}) each message is instead one sealed record ({@link RecordLayout}),
 * the request record 0 of the source's direction and the response record 0 of the target's.
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
        private final ChannelProtection protection;
        private final long openedNanos = System.nanoTime();

        private Connection(SocketChannel tcp, ChannelProtection protection) {
            this.tcp = tcp;
            this.protection = protection;
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
                ChannelProtection protection = Handshake.asSource(tcp, new MigrationHello(HelloCodec.VERSION, CHANNEL,
                        UUID.randomUUID(), nonce, options.encryption()), secret, options.handshakeTimeout());
                return new Connection(tcp, protection);
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
                writeMessage(tcp, body, protection);
                return new String(readMessage(tcp, System.nanoTime() + timeout.toNanos(), protection),
                        StandardCharsets.UTF_8);
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
    static void serve(SocketChannel tcp, ChannelProtection protection, Handler handler, Duration requestTimeout)
            throws IOException {
        try (tcp) {
            byte[] request;
            try {
                request = readMessage(tcp, System.nanoTime() + requestTimeout.toNanos(), protection);
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
                // ControlChannel.serving never gets here; a raw handler's failure is still a typed refusal.
                response = ControlCodec.encode(new ControlReply.Refused(String.valueOf(e.getMessage())));
            }
            byte[] out = response.getBytes(StandardCharsets.UTF_8);
            if (out.length > MAX_MESSAGE_BYTES) {
                throw new IOException("control response of " + out.length + " bytes exceeds " + MAX_MESSAGE_BYTES);
            }
            writeMessage(tcp, out, protection);
        }
    }

    private static void writeMessage(SocketChannel tcp, byte[] body, ChannelProtection protection) throws IOException {
        ByteBuffer b = switch (protection) {
            case ChannelProtection.Plain p -> ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
            case ChannelProtection.Encrypted e -> {
                byte[] record = new byte[body.length + RecordLayout.OVERHEAD];
                int n = new RecordSealer(e.sendKey(), MAX_MESSAGE_BYTES).seal(body, 0, body.length, record, 0);
                yield ByteBuffer.wrap(record, 0, n);
            }
        };
        while (b.hasRemaining()) {
            tcp.write(b);
        }
    }

    private static byte[] readMessage(SocketChannel tcp, long deadline, ChannelProtection protection)
            throws IOException {
        byte[] header = Handshake.readFully(tcp, 4, deadline);
        int length = ByteBuffer.wrap(header).getInt();
        return switch (protection) {
            case ChannelProtection.Plain p -> {
                if (length < 0 || length > MAX_MESSAGE_BYTES) {
                    throw new IOException("control message of " + Integer.toUnsignedString(length) + " bytes exceeds "
                            + MAX_MESSAGE_BYTES);
                }
                yield Handshake.readFully(tcp, length, deadline);
            }
            case ChannelProtection.Encrypted e -> {
                if (length < RecordLayout.TAG_LENGTH || length > MAX_MESSAGE_BYTES + RecordLayout.TAG_LENGTH) {
                    throw new IOException("control record of " + Integer.toUnsignedString(length)
                            + " bytes out of range " + RecordLayout.TAG_LENGTH + ".."
                            + (MAX_MESSAGE_BYTES + RecordLayout.TAG_LENGTH));
                }
                byte[] sealed = Handshake.readFully(tcp, length, deadline);
                ByteBuffer record = ByteBuffer.allocate(4 + length).put(header).put(sealed).flip();
                byte[] body = new byte[length];
                int n = new RecordOpener(e.receiveKey(), MAX_MESSAGE_BYTES).open(record, body, 0);
                if (n == RecordOpener.END) {
                    // An empty message is sealed like the end record; it is still a message.
                    yield new byte[0];
                }
                yield java.util.Arrays.copyOf(body, n);
            }
        };
    }
}
