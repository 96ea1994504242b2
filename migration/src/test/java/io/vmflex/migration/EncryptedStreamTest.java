package io.vmflex.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a stranger on the underlay sees of a migration: source QEMU ─unix─▶ MigrationSource ─TCP─▶
 * {@link RecordingProxy} ─TCP─▶ MigrationListener ─unix─▶ target QEMU, plus a control call through
 * the same proxy, with 1 MiB of a marker string each way.
 */
class EncryptedStreamTest {

    private static final String MARKER = "vmflex-guest-secret-7f3a:";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final ClusterSecret secret = ClusterSecret.of(TestSockets.secretBytes(5));

    private static byte[] markerMiB() {
        byte[] one = MARKER.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[1 << 20];
        for (int i = 0; i < out.length; i++) {
            out[i] = one[i % one.length];
        }
        return out;
    }

    /** Runs one channel and one control call through the proxy; returns it (closed) with its capture. */
    private RecordingProxy migrate(RelayOptions sourceOptions, RelayOptions targetOptions) throws Exception {
        byte[] payload = markerMiB();
        UUID id = UUID.randomUUID();
        Path sourcePath = dir.resolve("source-" + id + ".sock");
        try (MigrationListener listener = MigrationListener.start(TestSockets.loopback(0), secret, targetOptions);
                FakeQemu targetQemu = new FakeQemu(dir.resolve("target-" + id + ".sock"));
                RecordingProxy proxy = new RecordingProxy(listener.address(), -1)) {
            listener.onControl(request -> request + " answered: " + MARKER.repeat(100));
            Expectation expectation = listener.expect(id, 1, Duration.ofSeconds(30), targetQemu.endpoint());
            try (MigrationSource source = MigrationSource.open(sourcePath, proxy.address(), id, 1, secret, sourceOptions);
                    SocketChannel sourceQemu = SocketChannel.open(UnixDomainSocketAddress.of(sourcePath))) {
                SocketChannel incoming = targetQemu.accept();
                CompletableFuture<byte[]> forward = readAllAsync(incoming);
                CompletableFuture<byte[]> back = readAllAsync(sourceQemu);
                writeAll(incoming, payload); // the return path carries it too
                incoming.shutdownOutput();
                writeAll(sourceQemu, payload);
                sourceQemu.shutdownOutput();
                assertArrayEquals(payload, forward.get(30, TimeUnit.SECONDS), "target QEMU got the stream intact");
                assertArrayEquals(payload, back.get(30, TimeUnit.SECONDS), "source QEMU got the return path intact");
                source.completion().get(10, TimeUnit.SECONDS);
                expectation.completion().get(10, TimeUnit.SECONDS);
            }
            String reply = MigrationControl.call(proxy.address(), secret, "commit " + MARKER.repeat(100), TIMEOUT,
                    sourceOptions);
            assertTrue(reply.startsWith("commit " + MARKER), reply);
            assertTrue(proxy.captured().length > 2 * payload.length, "the proxy carried both directions");
            return proxy;
        }
    }

    @Test
    void shouldNeverShowTheMarkerOnTheWireWhenEncryptionIsOnByDefault() throws Exception {
        RecordingProxy proxy = migrate(RelayOptions.DEFAULTS, RelayOptions.DEFAULTS);
        assertFalse(proxy.capturedContains(MARKER.substring(0, 12)), "plaintext of the marker crossed the wire");
    }

    @Test
    void shouldShowTheMarkerOnTheWireWhenBothSidesOptedOut() throws Exception {
        RelayOptions off = RelayOptions.DEFAULTS.withEncryption(false);
        RecordingProxy proxy = migrate(off, off);
        assertTrue(proxy.capturedContains(MARKER.repeat(1000)), "the opt-out sends the stream in clear");
    }

    @Test
    void shouldStillEncryptWhenOnlyTheTargetOptedOut() throws Exception {
        RecordingProxy proxy = migrate(RelayOptions.DEFAULTS, RelayOptions.DEFAULTS.withEncryption(false));
        assertFalse(proxy.capturedContains(MARKER.substring(0, 12)));
    }

    @Test
    void shouldRefuseAPlainSourceWithEncryptionRequiredWhenTheTargetKeepsTheDefault() throws Exception {
        UUID id = UUID.randomUUID();
        Path sourcePath = dir.resolve("plain.sock");
        RelayOptions off = RelayOptions.DEFAULTS.withEncryption(false);
        try (MigrationListener listener = MigrationListener.start(TestSockets.loopback(0), secret, RelayOptions.DEFAULTS);
                FakeQemu targetQemu = new FakeQemu(dir.resolve("t.sock"))) {
            listener.expect(id, 1, Duration.ofSeconds(30), targetQemu.endpoint());
            try (MigrationSource source = MigrationSource.open(sourcePath, listener.address(), id, 1, secret, off);
                    SocketChannel sourceQemu = SocketChannel.open(UnixDomainSocketAddress.of(sourcePath))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> source.completion().get(10, TimeUnit.SECONDS));
                HandshakeException he = assertInstanceOf(HandshakeException.class, e.getCause());
                assertEquals(Optional.of(HelloStatus.ENCRYPTION_REQUIRED), he.status());
                assertTrue(he.getMessage().contains("ENCRYPTION_REQUIRED"), he.getMessage());
                assertTrue(he.getMessage().contains("both ends must have the same setting"), he.getMessage());
                assertFalse(he.getMessage().contains("\n"), "one line: " + he.getMessage());
            }
            assertEquals(0, targetQemu.pendingConnections(), "nothing reached the target QEMU");
            listener.onControl(request -> "ok");
            HandshakeException refused = assertThrows(HandshakeException.class,
                    () -> MigrationControl.call(listener.address(), secret, "{}", TIMEOUT, off));
            assertEquals(Optional.of(HelloStatus.ENCRYPTION_REQUIRED), refused.status());
        }
    }

    @Test
    void shouldFailBothSidesAndStopDeliveringWhenOneByteIsFlippedInTransit() throws Exception {
        UUID id = UUID.randomUUID();
        Path sourcePath = dir.resolve("tamper.sock");
        int plaintextBefore = 300_000; // the flipped byte lies in the record carrying plaintext byte ~300,000
        long flipAt = HelloCodec.HELLO_LENGTH + HelloCodec.PROOF_LENGTH + plaintextBefore;
        try (MigrationListener listener = MigrationListener.start(TestSockets.loopback(0), secret, RelayOptions.DEFAULTS);
                FakeQemu targetQemu = new FakeQemu(dir.resolve("t2.sock"));
                RecordingProxy proxy = new RecordingProxy(listener.address(), flipAt)) {
            Expectation expectation = listener.expect(id, 1, Duration.ofSeconds(30), targetQemu.endpoint());
            try (MigrationSource source = MigrationSource.open(sourcePath, proxy.address(), id, 1, secret,
                    RelayOptions.DEFAULTS);
                    SocketChannel sourceQemu = SocketChannel.open(UnixDomainSocketAddress.of(sourcePath))) {
                SocketChannel incoming = targetQemu.accept();
                CompletableFuture<byte[]> forward = readAllAsync(incoming);
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        writeAll(sourceQemu, new byte[4 << 20]);
                    } catch (IOException expected) {
                        // the source closes QEMU's connection once the relay failed
                    }
                });
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> expectation.completion().get(10, TimeUnit.SECONDS));
                assertInstanceOf(RecordException.class, e.getCause());
                assertTrue(e.getCause().getMessage().contains("failed authentication"), e.getCause().getMessage());
                assertThrows(ExecutionException.class, () -> source.completion().get(10, TimeUnit.SECONDS));
                byte[] delivered = forward.get(10, TimeUnit.SECONDS);
                assertTrue(delivered.length < plaintextBefore,
                        "only records before the tampered one reached QEMU: " + delivered.length);
                assertTrue(Arrays.equals(delivered, new byte[delivered.length]), "and it was intact");
                writer.get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void writeAll(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static CompletableFuture<byte[]> readAllAsync(SocketChannel ch) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            try {
                while (ch.read(buf) >= 0) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                f.complete(out.toByteArray());
            } catch (IOException e) {
                f.complete(out.toByteArray()); // a reset after the failure: what arrived before counts
            }
        });
        return f;
    }
}
