package io.vmflex.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MigrationControlTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final ClusterSecret secret = ClusterSecret.of(TestSockets.secretBytes(3));
    private final AtomicInteger calls = new AtomicInteger();

    private MigrationListener listener(ClusterSecret s) throws IOException {
        MigrationListener l = MigrationListener.start(TestSockets.loopback(0), s, RelayOptions.DEFAULTS);
        l.onControl(req -> {
            calls.incrementAndGet();
            return "{\"echo\":" + req + "}";
        });
        return l;
    }

    @Test
    void shouldAnswerOneRequestWhenBothSidesShareTheSecret() throws Exception {
        try (MigrationListener l = listener(secret)) {
            String r = MigrationControl.call(l.address(), secret, "{\"op\":\"prepare\"}", TIMEOUT, RelayOptions.DEFAULTS);
            assertEquals("{\"echo\":{\"op\":\"prepare\"}}", r);
            assertEquals(1, calls.get());
        }
    }

    @Test
    void shouldAnswerARequestOnAConnectionOpenedAheadAndHeldLongerThanAHandshake() throws Exception {
        RelayOptions quick = RelayOptions.DEFAULTS.withHandshakeTimeout(Duration.ofMillis(300));
        try (MigrationListener l = MigrationListener.start(TestSockets.loopback(0), secret, quick)) {
            l.onControl(req -> "{\"echo\":" + req + "}");
            MigrationControl.Connection c = MigrationControl.Connection.open(l.address(), secret, quick);
            // A stranger that connects after it and says nothing is closed for its slow hello: by
            // then the authenticated connection has been held longer than a handshake may take.
            try (SocketChannel silent = SocketChannel.open(l.address())) {
                silent.socket().setSoTimeout((int) TIMEOUT.toMillis());
                assertEquals(-1, silent.socket().getInputStream().read(), "the listener must close a silent peer");
            }
            assertTrue(c.held(), "holding is not a slow hello");
            assertEquals("{\"echo\":{\"op\":\"commit\"}}", c.call("{\"op\":\"commit\"}", TIMEOUT));
            assertFalse(c.held(), "one request per connection");

            MigrationControl.Connection dropped = MigrationControl.Connection.open(l.address(), secret, quick);
            l.close(); // a target daemon that stops closes what it holds
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (dropped.held() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertFalse(dropped.held(), "the source must see that the target let go, and open a new connection");
            dropped.close();
        }
    }

    @Test
    void shouldRefuseAndNeverCallTheHandlerWhenTheSecretDiffers() throws Exception {
        try (MigrationListener l = listener(secret)) {
            HandshakeException e = assertThrows(HandshakeException.class, () -> MigrationControl.call(l.address(),
                    ClusterSecret.of(TestSockets.secretBytes(4)), "{}", TIMEOUT, RelayOptions.DEFAULTS));
            assertEquals(java.util.Optional.of(HelloStatus.AUTH_FAILED), e.status());
            assertEquals(0, calls.get());
        }
    }

    @Test
    void shouldRefuseControlConnectionsWhenNoHandlerIsRegistered() throws Exception {
        try (MigrationListener l = MigrationListener.start(TestSockets.loopback(0), secret, RelayOptions.DEFAULTS)) {
            HandshakeException e = assertThrows(HandshakeException.class,
                    () -> MigrationControl.call(l.address(), secret, "{}", TIMEOUT, RelayOptions.DEFAULTS));
            assertEquals(java.util.Optional.of(HelloStatus.UNKNOWN_MIGRATION), e.status());
        }
    }

    @Test
    void shouldCloseWithoutCallingTheHandlerWhenTheRequestIsOversized() throws Exception {
        try (MigrationListener l = listener(secret); SocketChannel tcp = SocketChannel.open(l.address())) {
            byte[] nonce = new byte[HelloCodec.NONCE_LENGTH];
            new SecureRandom().nextBytes(nonce);
            Handshake.asSource(tcp, new MigrationHello(HelloCodec.VERSION, MigrationControl.CHANNEL, UUID.randomUUID(),
                    nonce, true), secret, TIMEOUT);
            // The request is one sealed record: announce one longer than the largest message sealed.
            tcp.write(ByteBuffer.allocate(4).putInt(MigrationControl.MAX_MESSAGE_BYTES + RecordLayout.TAG_LENGTH + 1).flip());
            tcp.socket().setSoTimeout(5000);
            assertEquals(-1, tcp.socket().getInputStream().read(), "the target must close the connection");
            assertEquals(0, calls.get());
        }
        assertThrows(IOException.class, () -> MigrationControl.call(TestSockets.loopback(1), secret,
                "x".repeat(MigrationControl.MAX_MESSAGE_BYTES + 1), TIMEOUT, RelayOptions.DEFAULTS));
    }

    @Test
    void shouldReturnAnErrorResponseWhenTheHandlerThrows() throws Exception {
        try (MigrationListener l = MigrationListener.start(TestSockets.loopback(0), secret, RelayOptions.DEFAULTS)) {
            l.onControl(req -> {
                throw new IllegalStateException("no \"such\" VM");
            });
            assertEquals(new ControlReply.Refused("no \"such\" VM"), ControlCodec.decodeReply(
                    MigrationControl.call(l.address(), secret, "{}", TIMEOUT, RelayOptions.DEFAULTS)));
        }
    }
}
