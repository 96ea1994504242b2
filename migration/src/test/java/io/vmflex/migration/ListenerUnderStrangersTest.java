package io.vmflex.migration;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The migration port under connections from strangers, over loopback: clients bind 127.0.0.2 or
 * 127.0.0.3 as their source so that the listener sees other addresses than the real peer's
 * (127.0.0.1).
 */
class ListenerUnderStrangersTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final InetAddress PEER = loopback(1);
    private static final InetAddress ATTACKER = loopback(2);
    private final ClusterSecret secret = ClusterSecret.of(TestSockets.secretBytes(5));

    @Test
    void shouldServeTheRealPeerWhileOneAddressHoldsManyIdleConnections() throws Exception {
        try (MigrationListener l = listener()) {
            List<SocketChannel> idle = openIdle(l.address(), ATTACKER, 150);
            try {
                // Idle connections say nothing, so each would hold a handshake slot until its timeout.
                assertEquals("{\"echo\":{\"op\":\"query\"}}",
                        MigrationControl.call(l.address(), secret, "{\"op\":\"query\"}", TIMEOUT, RelayOptions.DEFAULTS));
            } finally {
                idle.forEach(Relay::closeQuietly);
            }
        }
    }

    @Test
    void shouldCloseAStrangerBeforeReadingAByteAndLeakNoDescriptor() throws Exception {
        try (MigrationListener l = listener()) {
            l.admitOnly(PeerFilter.only(Set.of(PEER)));
            long fdsBefore = openFds();
            List<SocketChannel> strangers = openIdle(l.address(), loopback(3), 500);
            try {
                for (SocketChannel s : strangers) {
                    s.write(ByteBuffer.wrap("GARBAGE GARBAGE GARBAGE\r\n".getBytes()));
                }
                SocketChannel first = strangers.getFirst();
                first.socket().setSoTimeout(5000);
                assertEquals(-1, first.socket().getInputStream().read(), "a stranger's connection must be closed");
                assertEquals("{\"echo\":{\"op\":\"commit\"}}",
                        MigrationControl.call(l.address(), secret, "{\"op\":\"commit\"}", TIMEOUT, RelayOptions.DEFAULTS));
            } finally {
                strangers.forEach(Relay::closeQuietly);
            }
            awaitTrue(() -> l.refusedConnections() >= 500, "every stranger refused");
            awaitTrue(() -> openFds() <= fdsBefore + 5, "descriptors back to where they were");
        }
    }

    @Test
    void shouldNotLetHeldControlConnectionsTakeTheHandshakeSlots() throws Exception {
        try (MigrationListener l = listener()) {
            List<MigrationControl.Connection> held = new ArrayList<>();
            try {
                for (int i = 0; i < MigrationListener.MAX_HANDSHAKES; i++) {
                    held.add(MigrationControl.Connection.open(l.address(), secret, RelayOptions.DEFAULTS));
                }
                // Each authenticated and waits for its one request (a commit link opened ahead does).
                assertEquals("{\"echo\":{\"op\":\"abort\"}}",
                        MigrationControl.call(l.address(), secret, "{\"op\":\"abort\"}", TIMEOUT, RelayOptions.DEFAULTS));
            } finally {
                held.forEach(MigrationControl.Connection::close);
            }
        }
    }

    private MigrationListener listener() throws IOException {
        MigrationListener l = MigrationListener.start(new InetSocketAddress(PEER, 0), secret, RelayOptions.DEFAULTS);
        l.onControl(req -> "{\"echo\":" + req + "}");
        return l;
    }

    private static List<SocketChannel> openIdle(InetSocketAddress target, InetAddress from, int count) throws IOException {
        List<SocketChannel> open = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SocketChannel ch = SocketChannel.open();
            ch.bind(new InetSocketAddress(from, 0));
            ch.connect(target);
            open.add(ch);
        }
        return open;
    }

    private static long openFds() {
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            return list.count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
