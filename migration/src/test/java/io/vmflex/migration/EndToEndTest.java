package io.vmflex.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real two-hop path on loopback: source QEMU ─unix─▶ MigrationSource ─TCP─▶ MigrationListener
 * ─unix─▶ target QEMU, full duplex.
 */
class EndToEndTest {

    private static final long SIZE = 256L << 20;

    @TempDir
    Path dir;

    private final ClusterSecret secret = ClusterSecret.of(TestSockets.secretBytes(9));

    private static List<Thread> vmflexThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("vmflex-")).toList();
    }

    private static <T> CompletableFuture<T> async(java.util.concurrent.Callable<T> c) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                f.complete(c.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    @Test
    void shouldRelay256MiBEachWayConcurrentlyWithEqualChecksumsWhenTwoChannels() throws Exception {
        UUID id = UUID.randomUUID();
        Path sourcePath = dir.resolve("source.sock");
        try (MigrationListener listener = MigrationListener.start(TestSockets.loopback(0), secret, RelayOptions.DEFAULTS);
                FakeQemu targetQemu = new FakeQemu(dir.resolve("target.sock"))) {
            Expectation expectation = listener.expect(id, 2, Duration.ofSeconds(30), targetQemu.endpoint());
            try (MigrationSource source = MigrationSource.open(sourcePath, listener.address(), id, 2, secret, RelayOptions.DEFAULTS)) {
                SocketChannel main = SocketChannel.open(UnixDomainSocketAddress.of(sourcePath));
                SocketChannel mainIn = targetQemu.accept();
                SocketChannel multifd = SocketChannel.open(UnixDomainSocketAddress.of(sourcePath));
                SocketChannel multifdIn = targetQemu.accept();

                // Channel order is preserved: the first target connection carries channel 0.
                main.write(java.nio.ByteBuffer.wrap(new byte[] {0}));
                assertArrayEquals(new byte[] {0}, readOne(mainIn));

                // main: 256 MiB each way at the same time; multifd: a small stream one way.
                CompletableFuture<Long> forwardSent = async(() -> sendAndShut(main, SIZE, 11));
                CompletableFuture<Long> backSent = async(() -> sendAndShut(mainIn, SIZE, 22));
                CompletableFuture<long[]> forwardGot = async(() -> TestSockets.readAll(mainIn));
                CompletableFuture<long[]> backGot = async(() -> TestSockets.readAll(main));
                CompletableFuture<Long> mfSent = async(() -> sendAndShut(multifd, 1 << 20, 33));
                CompletableFuture<long[]> mfGot = async(() -> TestSockets.readAll(multifdIn));
                multifdIn.shutdownOutput();
                assertEquals(0, TestSockets.readAll(multifd)[0]);

                assertEquals(SIZE, forwardGot.get(120, TimeUnit.SECONDS)[0]);
                assertEquals(forwardSent.get(), forwardGot.get()[1]);
                assertEquals(SIZE, backGot.get(120, TimeUnit.SECONDS)[0]);
                assertEquals(backSent.get(), backGot.get()[1]);
                assertEquals(mfSent.get(5, TimeUnit.SECONDS), mfGot.get(5, TimeUnit.SECONDS)[1]);

                source.completion().get(10, TimeUnit.SECONDS);
                expectation.completion().get(10, TimeUnit.SECONDS);
                RelayStats.Snapshot stats = source.relays().get(0).stats();
                assertEquals(SIZE + 1, stats.localToRemote().bytes());
                assertEquals(SIZE, stats.remoteToLocal().bytes());
                assertTrue(stats.localToRemote().chunks() > 0);
                main.close();
                multifd.close();
            }
            assertTrue(Files.notExists(sourcePath), "source socket file removed");
        }
        awaitNoVmflexThreads();
    }

    @Test
    void shouldCloseEverythingAndLeakNoThreadWhenClosedMidStream() throws Exception {
        UUID id = UUID.randomUUID();
        Path sourcePath = dir.resolve("source.sock");
        MigrationListener listener = MigrationListener.start(TestSockets.loopback(0), secret, RelayOptions.DEFAULTS);
        FakeQemu targetQemu = new FakeQemu(dir.resolve("target.sock"));
        Expectation expectation = listener.expect(id, 1, Duration.ofSeconds(30), targetQemu.endpoint());
        MigrationSource source = MigrationSource.open(sourcePath, listener.address(), id, 1, secret, RelayOptions.DEFAULTS);
        SocketChannel qemuOut = SocketChannel.open(UnixDomainSocketAddress.of(sourcePath));
        SocketChannel qemuIn = targetQemu.accept();
        CompletableFuture<Long> writer = async(() -> sendAndShut(qemuOut, Long.MAX_VALUE / 2, 5));
        CompletableFuture<long[]> reader = async(() -> TestSockets.readAll(qemuIn));
        while (source.relays().isEmpty() || source.relays().get(0).stats().localToRemote().bytes() < 10_000_000) {
            Thread.sleep(5);
        }
        assertTrue(!vmflexThreads().isEmpty());

        source.close();
        assertThrows(CancellationException.class, () -> source.completion().getNow(null));
        // The source QEMU's connection is gone and the target QEMU's connection ends: the sealed
        // stream lacked its end record, so the target relay failed it as truncated (a plain relay
        // cannot tell a cut stream from a complete one; QEMU can, and reports it).
        assertThrows(ExecutionException.class, () -> writer.get(5, TimeUnit.SECONDS));
        assertTrue(reader.get(5, TimeUnit.SECONDS)[0] >= 10_000_000);
        listener.close();
        listener.close();
        source.close();
        assertTrue(expectation.completion().isDone());
        qemuOut.close();
        targetQemu.close();
        awaitNoVmflexThreads();
    }

    @Test
    void shouldLeakNoThreadWhenClosedBeforeQemuConnects() throws Exception {
        MigrationListener listener = MigrationListener.start(TestSockets.loopback(0), secret, RelayOptions.DEFAULTS);
        MigrationSource source = MigrationSource.open(dir.resolve("s.sock"), listener.address(), UUID.randomUUID(), 3,
                secret, RelayOptions.DEFAULTS);
        source.close();
        listener.close();
        assertThrows(CancellationException.class, () -> source.completion().get(1, TimeUnit.SECONDS));
        awaitNoVmflexThreads();
    }

    private static void awaitNoVmflexThreads() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!vmflexThreads().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), vmflexThreads().stream().map(Thread::getName).toList());
    }

    private static long sendAndShut(SocketChannel ch, long bytes, long seed) throws java.io.IOException {
        long crc = TestSockets.writeRandom(ch, bytes, seed);
        ch.shutdownOutput();
        return crc;
    }

    private static byte[] readOne(SocketChannel ch) throws java.io.IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new java.io.EOFException();
            }
        }
        return b.array();
    }
}
