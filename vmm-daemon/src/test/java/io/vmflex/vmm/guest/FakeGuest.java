package io.vmflex.vmm.guest;

import io.vmflex.api.guest.GuestFrameDecoder;
import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.VersionChoice;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays the guest monitor behind QEMU's chardev socket: listens on a Unix socket, serves one
 * client at a time (as QEMU does), answers the handshake and host requests, optionally sends
 * Metrics, and can run an attack script once the session is up. Threadsafe knobs (volatile).
 */
final class FakeGuest implements AutoCloseable {

    /** Runs on its own virtual thread after the guest answered the handshake. */
    interface Script {
        void run(Conn conn) throws Exception;
    }

    /** One accepted connection. */
    static final class Conn {
        final SocketChannel ch;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }

        synchronized void send(Object message) throws IOException {
            raw(GuestFrames.encode(message));
        }

        synchronized void raw(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        boolean isOpen() {
            return ch.isOpen();
        }
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private volatile boolean open = true;
    private volatile SocketChannel current;

    volatile boolean answerHandshake = true;
    volatile int versionToChoose = 1;
    volatile boolean answerRequests = true;
    volatile boolean approveDownscale = true;
    volatile Duration metricsEvery;
    volatile Script script;

    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger handshakes = new AtomicInteger();
    final AtomicLong nextGuestId = new AtomicLong(1);
    final BlockingQueue<GuestMessage> received = new ArrayBlockingQueue<>(100_000);

    FakeGuest(Path path) throws IOException {
        this.path = path;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        this.acceptor = Thread.ofVirtual().name("fake-guest-" + path.getFileName()).start(this::accept);
    }

    long guestId() {
        return nextGuestId.getAndAdd(2);
    }

    /** Drops the current client, as a guest-side hangup or a QEMU restart would. */
    void dropClient() throws IOException {
        SocketChannel c = current;
        if (c != null) {
            c.close();
        }
    }

    private void accept() {
        while (open) {
            try (SocketChannel c = server.accept()) {
                connections.incrementAndGet();
                current = c;
                serve(new Conn(c));
            } catch (IOException e) {
                // client gone or server closed; accept the next one
            }
        }
    }

    private void serve(Conn conn) throws IOException {
        GuestFrameDecoder decoder = new GuestFrameDecoder();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        Thread metrics = null;
        Thread scripted = null;
        try {
            while (true) {
                buf.clear();
                if (conn.ch.read(buf) < 0) {
                    return;
                }
                for (byte[] p : decoder.feed(buf.array(), 0, buf.position())) {
                    if (GuestFrames.isVersionRange(p)) {
                        handshakes.incrementAndGet();
                        if (!answerHandshake) {
                            continue;
                        }
                        conn.send(new VersionChoice(versionToChoose));
                        if (metrics == null && metricsEvery != null) {
                            metrics = Thread.ofVirtual().start(() -> sendMetrics(conn));
                        }
                        Script s = script;
                        if (scripted == null && s != null) {
                            scripted = Thread.ofVirtual().start(() -> {
                                try {
                                    s.run(conn);
                                } catch (Exception e) {
                                    // the host closed on us: the attack worked as far as it could
                                }
                            });
                        }
                        continue;
                    }
                    GuestMessage m = GuestFrames.decodeMessage(p);
                    received.offer(m);
                    if (!answerRequests) {
                        continue;
                    }
                    switch (m) {
                        case GuestMessage.DownscaleRequest r ->
                                conn.send(new GuestMessage.DownscaleResult(r.id(), approveDownscale,
                                        approveDownscale ? "ok" : "workload needs the memory"));
                        case GuestMessage.UpscaleNotification r -> conn.send(new GuestMessage.UpscaleConfirmation(r.id()));
                        case GuestMessage.HealthCheck r -> conn.send(r);
                        default -> {
                        }
                    }
                }
            }
        } catch (GuestFrameDecoder.FramingException | GuestFrames.MalformedPayloadException e) {
            throw new IOException("host sent garbage: " + e.getMessage(), e);
        } finally {
            if (metrics != null) {
                metrics.interrupt();
            }
            if (scripted != null) {
                scripted.interrupt();
            }
        }
    }

    private void sendMetrics(Conn conn) {
        try {
            while (conn.isOpen()) {
                conn.send(new GuestMessage.Metrics(guestId(), 2, 0.5, 0.4, 0.3, 2L << 30, 1L << 30, 1L << 28,
                        1L << 28, 0.0, 0.0, 0.5, GuestMessage.Metrics.CPU_BUSY_UNKNOWN));
                Thread.sleep(metricsEvery);
            }
        } catch (IOException | InterruptedException e) {
            // connection over
        }
    }

    @Override
    public void close() throws IOException {
        open = false;
        server.close();
        dropClient();
        acceptor.interrupt();
        try {
            acceptor.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
