package io.vmflex.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One {@link Relay} between a Unix pair and a TCP pair: qemu ⇄ [local | relay | remote] ⇄ peer. */
class RelayTest {

    @TempDir
    Path dir;

    private record Rig(SocketChannel qemu, SocketChannel peer, Relay relay) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            relay.close();
            qemu.close();
            peer.close();
        }
    }

    private Rig rig() throws IOException {
        SocketChannel[] unix = TestSockets.unixPair(dir, "u.sock");
        SocketChannel[] tcp = TestSockets.tcpPair();
        Relay relay = Relay.start("vmflex-relay-test", unix[1], tcp[0], RelayOptions.DEFAULTS);
        return new Rig(unix[0], tcp[1], relay);
    }

    private static byte[] readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("EOF after " + b.position());
            }
        }
        return b.array();
    }

    @Test
    void shouldPropagateHalfCloseAndKeepOtherDirectionFlowingWhenOneSideShutsOutput() throws Exception {
        try (Rig rig = rig()) {
            rig.qemu.write(ByteBuffer.wrap("done".getBytes()));
            rig.qemu.shutdownOutput();
            assertEquals("done", new String(readExactly(rig.peer, 4)));
            assertEquals(-1, rig.peer.read(ByteBuffer.allocate(1)), "EOF forwarded to the peer");

            rig.peer.write(ByteBuffer.wrap("still".getBytes()));
            assertEquals("still", new String(readExactly(rig.qemu, 5)), "return path still open");
            assertFalse(rig.relay.outcome().isDone());

            rig.peer.shutdownOutput();
            RelayOutcome outcome = rig.relay.outcome().get(5, TimeUnit.SECONDS);
            RelayOutcome.Finished finished = assertInstanceOf(RelayOutcome.Finished.class, outcome);
            assertEquals(4, finished.stats().localToRemote().bytes());
            assertEquals(5, finished.stats().remoteToLocal().bytes());
            assertTrue(finished.stats().endNanos() >= finished.stats().startNanos());
            assertEquals(-1, rig.qemu.read(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void shouldCloseBothSidesAndReportCauseWhenPeerResetsMidStream() throws Exception {
        try (Rig rig = rig()) {
            CompletableFuture<long[]> qemuReader = CompletableFuture.supplyAsync(() -> {
                try {
                    return TestSockets.readAll(rig.qemu);
                } catch (IOException e) {
                    return new long[] {-1, 0};
                }
            });
            rig.peer.write(ByteBuffer.wrap(new byte[100_000]));
            rig.peer.setOption(StandardSocketOptions.SO_LINGER, 0);
            rig.peer.close(); // RST
            RelayOutcome outcome = rig.relay.outcome().get(5, TimeUnit.SECONDS);
            RelayOutcome.Failed failed = assertInstanceOf(RelayOutcome.Failed.class, outcome);
            assertInstanceOf(IOException.class, failed.cause());
            assertTrue(qemuReader.get(5, TimeUnit.SECONDS) != null, "QEMU side ended too");
            HandshakeTest.assertClosedByPeer(rig.qemu);
        }
    }

    @Test
    void shouldEndBothDirectionsPromptlyWhenClosedFromAnotherThread() throws Exception {
        try (Rig rig = rig()) {
            // Keep one direction busy and leave the other idle in read().
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    TestSockets.writeRandom(rig.qemu, Long.MAX_VALUE / 2, 1);
                } catch (IOException expected) {
                    // the relay went away
                }
            });
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    TestSockets.readAll(rig.peer);
                } catch (IOException expected) {
                    // the relay went away
                }
            });
            while (rig.relay.stats().localToRemote().bytes() < 1_000_000) {
                Thread.sleep(5);
            }
            long t0 = System.nanoTime();
            CompletableFuture.runAsync(rig.relay::close).get(5, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertInstanceOf(RelayOutcome.Cancelled.class, rig.relay.outcome().getNow(null));
            assertTrue(ms < 1_000, "close took " + ms + " ms");
            for (long id : rig.relay.threadIds()) {
                assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.threadId() == id));
            }
            writer.join(5_000);
            reader.join(5_000);
            assertFalse(writer.isAlive() || reader.isAlive());
            rig.relay.close(); // idempotent
        }
    }

    @Test
    void shouldApplyTcpOptionsToTheRemoteSocketWhenRelayStarts() throws Exception {
        SocketChannel[] unix = TestSockets.unixPair(dir, "o.sock");
        SocketChannel[] tcp = TestSockets.tcpPair();
        tcp[0].setOption(StandardSocketOptions.TCP_NODELAY, true);
        RelayOptions options = RelayOptions.DEFAULTS.withTcpNoDelay(false).withSocketBufferBytes(512 * 1024);
        try (Relay relay = Relay.start("vmflex-relay-opts", unix[1], tcp[0], options)) {
            assertFalse(tcp[0].getOption(StandardSocketOptions.TCP_NODELAY));
            assertTrue(tcp[0].getOption(StandardSocketOptions.SO_SNDBUF) >= 512 * 1024, "kernel doubles, never shrinks");
        } finally {
            unix[0].close();
            tcp[1].close();
        }
    }

    @Test
    void shouldProbeASilentPeerWithKeepAliveOnlyWhenAskedTo() throws Exception {
        SocketChannel[] unix = TestSockets.unixPair(dir, "k.sock");
        SocketChannel[] tcp = TestSockets.tcpPair();
        RelayOptions options = RelayOptions.DEFAULTS.withDeadPeerAfter(java.time.Duration.ofSeconds(30));
        try (Relay relay = Relay.start("vmflex-relay-keepalive", unix[1], tcp[0], options)) {
            assertTrue(tcp[0].getOption(StandardSocketOptions.SO_KEEPALIVE));
            // idle a third, then four probes a sixth apart: gone after about 30 s of silence
            assertEquals(10, tcp[0].getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE));
            assertEquals(5, tcp[0].getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL));
            assertEquals(4, tcp[0].getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT));
        } finally {
            unix[0].close();
            tcp[1].close();
        }
        SocketChannel[] unix2 = TestSockets.unixPair(dir, "k2.sock");
        SocketChannel[] tcp2 = TestSockets.tcpPair();
        try (Relay relay = Relay.start("vmflex-relay-no-keepalive", unix2[1], tcp2[0], RelayOptions.DEFAULTS)) {
            assertFalse(tcp2[0].getOption(StandardSocketOptions.SO_KEEPALIVE), "off by default");
        } finally {
            unix2[0].close();
            tcp2[1].close();
        }
        assertThrows(IllegalArgumentException.class, () -> RelayOptions.DEFAULTS.withDeadPeerAfter(java.time.Duration.ofSeconds(1)));
    }

    @Test
    void shouldGrowTheSendBufferOfTheQemuSocketUpToWhatTheKernelAllowsWhenRelayStarts() throws Exception {
        SocketChannel[] unix = TestSockets.unixPair(dir, "b.sock");
        SocketChannel[] tcp = TestSockets.tcpPair();
        int before = unix[1].getOption(StandardSocketOptions.SO_SNDBUF);
        int wanted = 3 * 1024 * 1024;
        // readAllLines: Files.readString stops after the first byte of this zero-length proc file.
        long wmemMax = Long.parseLong(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/sys/net/core/wmem_max")).getFirst());
        try (Relay relay = Relay.start("vmflex-relay-sndbuf", unix[1], tcp[0], RelayOptions.DEFAULTS.withLocalSendBufferBytes(wanted))) {
            // Linux grants min(wanted, wmem_max); the JDK reports what was granted.
            assertEquals(Math.min(wanted, wmemMax), (long) unix[1].getOption(StandardSocketOptions.SO_SNDBUF));
            assertTrue(wmemMax <= before || unix[1].getOption(StandardSocketOptions.SO_SNDBUF) > before,
                    "larger than the default " + before + " wherever the kernel allows it");
        } finally {
            unix[0].close();
            tcp[1].close();
        }
    }

    @Test
    void shouldDeliverEveryByteBothWaysAtOnceWhenStreamingLargeData() throws Exception {
        try (Rig rig = rig()) {
            long size = 64L << 20;
            CompletableFuture<Long> up = new CompletableFuture<>();
            CompletableFuture<Long> down = new CompletableFuture<>();
            CompletableFuture<long[]> peerGot = new CompletableFuture<>();
            CompletableFuture<long[]> qemuGot = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> complete(up, () -> TestSockets.writeRandom(rig.qemu, size, 7), rig.qemu));
            Thread.ofPlatform().start(() -> complete(down, () -> TestSockets.writeRandom(rig.peer, size / 2, 9), rig.peer));
            Thread.ofPlatform().start(() -> completeRead(peerGot, rig.peer));
            Thread.ofPlatform().start(() -> completeRead(qemuGot, rig.qemu));
            assertEquals(up.get(60, TimeUnit.SECONDS), peerGot.get(60, TimeUnit.SECONDS)[1], "QEMU -> peer checksum");
            assertEquals(size, peerGot.get()[0]);
            assertEquals(down.get(60, TimeUnit.SECONDS), qemuGot.get(60, TimeUnit.SECONDS)[1], "peer -> QEMU checksum");
            RelayOutcome.Finished f = assertInstanceOf(RelayOutcome.Finished.class, rig.relay.outcome().get(5, TimeUnit.SECONDS));
            assertEquals(size, f.stats().localToRemote().bytes());
            assertEquals(size / 2, f.stats().remoteToLocal().bytes());
            RelayStats.DirectionStats up1 = f.stats().localToRemote();
            assertTrue(up1.describe().startsWith("64.0 MiB in " + up1.chunks() + " reads (" + size / up1.chunks() / 1024 + " KiB each)"),
                    up1.describe());
        }
    }

    private interface IoCall {
        long call() throws IOException;
    }

    /** Runs a writer, then half-closes its side so the relay sees end of stream. */
    private static void complete(CompletableFuture<Long> f, IoCall writer, SocketChannel side) {
        try {
            long crc = writer.call();
            side.shutdownOutput();
            f.complete(crc);
        } catch (IOException e) {
            f.completeExceptionally(e);
        }
    }

    private static void completeRead(CompletableFuture<long[]> f, SocketChannel side) {
        try {
            f.complete(TestSockets.readAll(side));
        } catch (IOException e) {
            f.completeExceptionally(e);
        }
    }
}
