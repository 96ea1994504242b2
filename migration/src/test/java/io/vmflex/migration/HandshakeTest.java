package io.vmflex.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hello against a real {@link MigrationListener} on loopback, with a fake target QEMU. */
class HandshakeTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    private final ClusterSecret secret = ClusterSecret.of(TestSockets.secretBytes(1));
    private final RelayOptions options = RelayOptions.DEFAULTS.withHandshakeTimeout(TIMEOUT);
    private MigrationListener listener;
    private FakeQemu qemu;

    @BeforeEach
    void start() throws IOException {
        listener = MigrationListener.start(TestSockets.loopback(0), secret, options);
        qemu = new FakeQemu(dir.resolve("qemu.sock"));
    }

    @AfterEach
    void stop() throws IOException {
        listener.close();
        qemu.close();
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(TestSockets.loopback(listener.address().getPort()));
        ch.socket().setSoTimeout(5_000);
        return ch;
    }

    private static MigrationHello hello(UUID id, int channel) {
        return hello(id, channel, true);
    }

    private static MigrationHello hello(UUID id, int channel, boolean encrypt) {
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        return new MigrationHello(HelloCodec.VERSION, channel, id, nonce, encrypt);
    }

    /** Reads exactly {@code n} bytes the fake target QEMU received. */
    private static byte[] readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer got = ByteBuffer.allocate(n);
        while (got.hasRemaining() && ch.read(got) >= 0) {
            // collect
        }
        return got.array();
    }

    private static Optional<HelloStatus> refusal(ClusterSecret s, SocketChannel ch, MigrationHello hello) {
        HandshakeException e = assertThrows(HandshakeException.class, () -> Handshake.asSource(ch, hello, s, TIMEOUT));
        return e.status();
    }

    /** End of stream, or a reset when the peer closed with our bytes unread: either way, closed. */
    static void assertClosedByPeer(SocketChannel ch) {
        try {
            assertEquals(-1, ch.read(ByteBuffer.allocate(1)));
        } catch (IOException reset) {
            assertTrue(reset.getMessage().contains("reset"), reset.toString());
        }
    }

    @Test
    void shouldAcceptAndConnectQemuWhenSecretAndIdMatch() throws Exception {
        UUID id = UUID.randomUUID();
        listener.expect(id, 1, Duration.ofSeconds(30), qemu.endpoint());
        try (SocketChannel tcp = connect()) {
            ChannelProtection.Encrypted keys = assertInstanceOf(ChannelProtection.Encrypted.class,
                    Handshake.asSource(tcp, hello(id, 0), secret, TIMEOUT));
            SocketChannel fed = qemu.accept();
            byte[] record = new byte[2 + RecordLayout.OVERHEAD];
            int n = new RecordSealer(keys.sendKey(), 1024).seal(new byte[] {42, 43}, 0, 2, record, 0);
            tcp.write(ByteBuffer.wrap(record, 0, n));
            assertArrayEquals(new byte[] {42, 43}, readExactly(fed, 2), "the target opened the record for QEMU");
        }
    }

    @Test
    void shouldRefuseWithEncryptionRequiredWhenSourceAsksForAPlainStream() throws Exception {
        UUID id = UUID.randomUUID();
        listener.expect(id, 1, Duration.ofSeconds(30), qemu.endpoint());
        try (SocketChannel tcp = connect()) {
            assertEquals(Optional.of(HelloStatus.ENCRYPTION_REQUIRED), refusal(secret, tcp, hello(id, 0, false)));
        }
        assertEquals(0, qemu.pendingConnections());
        // The refusal did not burn channel 0: an encrypting source still gets it.
        try (SocketChannel tcp = connect()) {
            Handshake.asSource(tcp, hello(id, 0), secret, TIMEOUT);
        }
    }

    @Test
    void shouldRelayInClearWhenTargetOptedOutAndSourceAsksForAPlainStream() throws Exception {
        try (MigrationListener optedOut = MigrationListener.start(TestSockets.loopback(0), secret, options.withEncryption(false))) {
            UUID id = UUID.randomUUID();
            optedOut.expect(id, 1, Duration.ofSeconds(30), qemu.endpoint());
            try (SocketChannel tcp = SocketChannel.open(optedOut.address())) {
                assertInstanceOf(ChannelProtection.Plain.class, Handshake.asSource(tcp, hello(id, 0, false), secret, TIMEOUT));
                SocketChannel fed = qemu.accept();
                tcp.write(ByteBuffer.wrap(new byte[] {42, 43}));
                assertArrayEquals(new byte[] {42, 43}, readExactly(fed, 2));
            }
        }
    }

    @Test
    void shouldStillEncryptWhenTargetOptedOutButSourceAsks() throws Exception {
        try (MigrationListener optedOut = MigrationListener.start(TestSockets.loopback(0), secret, options.withEncryption(false))) {
            UUID id = UUID.randomUUID();
            optedOut.expect(id, 1, Duration.ofSeconds(30), qemu.endpoint());
            try (SocketChannel tcp = SocketChannel.open(optedOut.address())) {
                assertInstanceOf(ChannelProtection.Encrypted.class, Handshake.asSource(tcp, hello(id, 0), secret, TIMEOUT));
            }
        }
    }

    @Test
    void shouldRefuseWithAuthFailedWhenTheEncryptFlagIsStrippedInTransit() throws Exception {
        // A peer in the middle clears the flag of an encrypting source's hello: the proof the source
        // computed covers the flag as sent, so the target sees a forged hello, not a plain request.
        try (MigrationListener optedOut = MigrationListener.start(TestSockets.loopback(0), secret, options.withEncryption(false))) {
            UUID id = UUID.randomUUID();
            optedOut.expect(id, 1, Duration.ofSeconds(30), qemu.endpoint());
            MigrationHello asSent = hello(id, 0, true);
            byte[] sentBytes = new byte[HelloCodec.HELLO_LENGTH];
            HelloCodec.encodeHello(asSent, new org.agrona.concurrent.UnsafeBuffer(sentBytes), 0);
            byte[] stripped = sentBytes.clone();
            stripped[HelloCodec.FLAGS_OFFSET + 3] = 0;
            try (SocketChannel tcp = SocketChannel.open(optedOut.address())) {
                Handshake.write(tcp, stripped);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                byte[] challenge = Handshake.readFully(tcp, HelloCodec.REPLY_LENGTH, deadline);
                byte[] serverNonce = java.util.Arrays.copyOfRange(challenge, 1, HelloCodec.REPLY_LENGTH);
                Handshake.write(tcp, secret.proof(HelloCodec.CLIENT_LABEL, sentBytes, serverNonce));
                byte[] verdict = Handshake.readFully(tcp, HelloCodec.REPLY_LENGTH, deadline);
                assertEquals(HelloStatus.AUTH_FAILED.code(), verdict[0]);
            }
            assertEquals(0, qemu.pendingConnections());
        }
    }

    @Test
    void shouldAnswerBadVersionAtOnceWhenTheSourceSendsAVersionOneHello() throws Exception {
        // A version-1 source sends 56 bytes and waits: the target must not wait for 60.
        byte[] v1 = new byte[56];
        ByteBuffer.wrap(v1).putInt(HelloCodec.MAGIC).putShort((short) 1).putShort((short) 0);
        try (SocketChannel tcp = connect()) {
            tcp.write(ByteBuffer.wrap(v1));
            byte[] reply = Handshake.readFully(tcp, HelloCodec.REPLY_LENGTH, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300));
            assertEquals(HelloStatus.BAD_VERSION.code(), reply[0]);
        }
    }

    @Test
    void shouldRefuseBeforeAnyByteReachesQemuWhenSecretIsWrong() throws Exception {
        UUID id = UUID.randomUUID();
        listener.expect(id, 1, Duration.ofSeconds(30), qemu.endpoint());
        ClusterSecret wrong = ClusterSecret.of(TestSockets.secretBytes(2));
        try (SocketChannel tcp = connect()) {
            assertEquals(Optional.of(HelloStatus.AUTH_FAILED), refusal(wrong, tcp, hello(id, 0)));
            // A source that ignores the refusal and streams anyway reaches nobody.
            try {
                tcp.write(ByteBuffer.wrap(new byte[4096]));
            } catch (IOException expected) {
                // the target already closed
            }
            assertClosedByPeer(tcp);
        }
        assertEquals(0, qemu.pendingConnections());
        // The failed attempt did not burn channel 0.
        try (SocketChannel tcp = connect()) {
            Handshake.asSource(tcp, hello(id, 0), secret, TIMEOUT);
        }
    }

    @Test
    void shouldFailWholeSourceAndNeverConnectQemuWhenSourceUsesWrongSecret() throws Exception {
        UUID id = UUID.randomUUID();
        listener.expect(id, 1, Duration.ofSeconds(30), qemu.endpoint());
        ClusterSecret wrong = ClusterSecret.of(TestSockets.secretBytes(2));
        Path unix = dir.resolve("src.sock");
        try (MigrationSource source = MigrationSource.open(unix, listener.address(), id, 1, wrong, options);
                SocketChannel sourceQemu = SocketChannel.open(java.net.UnixDomainSocketAddress.of(unix))) {
            try {
                sourceQemu.write(ByteBuffer.wrap("QEVM".getBytes()));
            } catch (IOException refusedFirst) {
                // The refusal can beat QEMU's first bytes: the source has closed QEMU's connection already.
            }
            ExecutionException e = assertThrows(ExecutionException.class, () -> source.completion().get(5, TimeUnit.SECONDS));
            HandshakeException he = assertInstanceOf(HandshakeException.class, e.getCause());
            assertEquals(Optional.of(HelloStatus.AUTH_FAILED), he.status());
            assertClosedByPeer(sourceQemu);
        }
        assertEquals(0, qemu.pendingConnections());
    }

    @Test
    void shouldRefuseWhenMigrationIdUnknown() throws Exception {
        try (SocketChannel tcp = connect()) {
            assertEquals(Optional.of(HelloStatus.UNKNOWN_MIGRATION), refusal(secret, tcp, hello(UUID.randomUUID(), 0)));
        }
        assertEquals(0, qemu.pendingConnections());
    }

    @Test
    void shouldRefuseWhenChannelReplayed() throws Exception {
        UUID id = UUID.randomUUID();
        listener.expect(id, 2, Duration.ofSeconds(30), qemu.endpoint());
        try (SocketChannel first = connect(); SocketChannel replay = connect()) {
            Handshake.asSource(first, hello(id, 0), secret, TIMEOUT);
            assertEquals(Optional.of(HelloStatus.CHANNEL_ALREADY_USED), refusal(secret, replay, hello(id, 0)));
        }
        assertEquals(1, qemu.pendingConnections());
    }

    @Test
    void shouldRefuseWhenChannelOutOfRange() throws Exception {
        UUID id = UUID.randomUUID();
        listener.expect(id, 2, Duration.ofSeconds(30), qemu.endpoint());
        try (SocketChannel tcp = connect()) {
            assertEquals(Optional.of(HelloStatus.CHANNEL_OUT_OF_RANGE), refusal(secret, tcp, hello(id, 2)));
        }
    }

    @Test
    void shouldCloseSilentPeerWhenHandshakeTimesOut() throws Exception {
        try (SocketChannel tcp = connect()) {
            long t0 = System.nanoTime();
            assertEquals(-1, tcp.read(ByteBuffer.allocate(1)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 400 && ms < 3_000, "closed after " + ms + " ms");
        }
    }

    @Test
    void shouldCloseTricklingPeerWhenDeadlinePasses() throws Exception {
        try (SocketChannel tcp = connect()) {
            // One byte every 100 ms: each read succeeds well within SO_TIMEOUT, only the overall
            // deadline (500 ms) can end this; 30 bytes never complete the 60-byte hello.
            long t0 = System.nanoTime();
            boolean closedByTarget = false;
            for (int i = 0; i < 30 && !closedByTarget; i++) {
                try {
                    tcp.write(ByteBuffer.wrap(new byte[] {'V'}));
                    Thread.sleep(100);
                } catch (IOException e) {
                    closedByTarget = true;
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(closedByTarget, "target kept a trickling peer for " + ms + " ms");
            assertTrue(ms < 2_000, "closed after " + ms + " ms");
        }
    }

    @Test
    void shouldTimeOutSourceWhenTargetIsSilent() throws Exception {
        try (ServerSocketChannel silent = ServerSocketChannel.open()) {
            silent.bind(TestSockets.loopback(0));
            try (SocketChannel tcp = SocketChannel.open(silent.getLocalAddress()); SocketChannel accepted = silent.accept()) {
                long t0 = System.nanoTime();
                HandshakeException e = assertThrows(HandshakeException.class,
                        () -> Handshake.asSource(tcp, hello(UUID.randomUUID(), 0), secret, Duration.ofMillis(300)));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(e.getMessage().contains("timed out"), e.getMessage());
                assertTrue(ms >= 250 && ms < 2_000, "timed out after " + ms + " ms");
                assertTrue(accepted.isOpen());
            }
        }
    }

    @Test
    void shouldAnswerBadMagicAndCloseWhenHelloIsRandomBytes() throws Exception {
        // The target answers once it has the header; a longer burst would meet a reset after the answer.
        byte[] garbage = new byte[HelloCodec.HEADER_LENGTH];
        new SecureRandom().nextBytes(garbage);
        garbage[0] = 'X';
        try (SocketChannel tcp = connect()) {
            tcp.write(ByteBuffer.wrap(garbage));
            ByteBuffer reply = ByteBuffer.allocate(HelloCodec.REPLY_LENGTH + 1);
            while (tcp.read(reply) >= 0) {
                // read until the target closes
            }
            assertEquals(HelloCodec.REPLY_LENGTH, reply.position());
            assertEquals(HelloStatus.BAD_MAGIC.code(), reply.get(0));
        }
        assertEquals(0, qemu.pendingConnections());
    }

    @Test
    void shouldCloseQuietlyWhenPeerHangsUpMidHello() throws Exception {
        try (SocketChannel tcp = connect()) {
            tcp.write(ByteBuffer.wrap(new byte[] {'V', 'M', 'F'}));
            tcp.shutdownOutput();
            assertEquals(-1, tcp.read(ByteBuffer.allocate(1)));
        }
        assertEquals(0, qemu.pendingConnections());
    }

    @Test
    void shouldRejectForgedTargetWhenItDoesNotKnowTheSecret() throws Exception {
        // A target that accepts anything but cannot compute the target proof.
        try (ServerSocketChannel fake = ServerSocketChannel.open()) {
            fake.bind(TestSockets.loopback(0));
            Thread impostor = Thread.ofPlatform().start(() -> {
                try (SocketChannel ch = fake.accept()) {
                    ch.read(ByteBuffer.allocate(HelloCodec.HELLO_LENGTH));
                    ch.write(ByteBuffer.wrap(new byte[HelloCodec.REPLY_LENGTH]));
                    ByteBuffer proof = ByteBuffer.allocate(32);
                    while (proof.hasRemaining() && ch.read(proof) >= 0) {
                        // read the proof
                    }
                    ch.write(ByteBuffer.wrap(new byte[HelloCodec.REPLY_LENGTH]));
                    ch.read(ByteBuffer.allocate(1));
                } catch (IOException ignored) {
                    // the test asserts on the source side
                }
            });
            try (SocketChannel tcp = SocketChannel.open(fake.getLocalAddress())) {
                HandshakeException e = assertThrows(HandshakeException.class,
                        () -> Handshake.asSource(tcp, hello(UUID.randomUUID(), 0), secret, TIMEOUT));
                assertTrue(e.getMessage().contains("did not prove"), e.getMessage());
            }
            impostor.join(5_000);
        }
    }

    @Test
    void shouldRefuseWithTargetUnavailableWhenQemuSocketMissing() throws Exception {
        UUID id = UUID.randomUUID();
        listener.expect(id, 1, Duration.ofSeconds(30), LocalEndpoint.unix(dir.resolve("absent.sock")));
        try (SocketChannel tcp = connect()) {
            assertEquals(Optional.of(HelloStatus.TARGET_UNAVAILABLE), refusal(secret, tcp, hello(id, 0)));
        }
    }
}
