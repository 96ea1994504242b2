package io.vmflex.monitor;

import io.vmflex.api.guest.GuestFrameDecoder;
import io.vmflex.api.guest.GuestFrames;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The host end for tests: a Unix socket server the monitor connects to (in place of the
 * virtio port). One connection at a time; a reader thread queues the payloads that arrive.
 */
final class FakeHost implements AutoCloseable {
    private final ServerSocketChannel server;
    private SocketChannel conn;
    private BlockingQueue<byte[]> inbox;

    FakeHost(Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
    }

    /** Waits for the monitor to connect. */
    void accept() throws IOException {
        conn = server.accept();
        BlockingQueue<byte[]> q = new LinkedBlockingQueue<>();
        inbox = q;
        SocketChannel c = conn;
        Thread.ofPlatform().daemon().start(() -> {
            GuestFrameDecoder d = new GuestFrameDecoder();
            ByteBuffer b = ByteBuffer.allocate(8192);
            try {
                while (true) {
                    b.clear();
                    int n = c.read(b);
                    if (n < 0) {
                        return;
                    }
                    q.addAll(d.feed(b.array(), 0, n));
                }
            } catch (IOException | GuestFrameDecoder.FramingException e) {
                // Test ends or the connection was dropped.
            }
        });
    }

    void send(Object message) throws IOException {
        sendRaw(GuestFrames.encode(message));
    }

    void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            conn.write(b);
        }
    }

    /** The next payload, or fails after 5 s. */
    byte[] next() throws InterruptedException {
        byte[] p = inbox.poll(5, TimeUnit.SECONDS);
        if (p == null) {
            throw new AssertionError("no frame from the monitor within 5 s");
        }
        return p;
    }

    /** Skips payloads (Metrics) until one of {@code type} arrives. */
    <T> T nextOf(Class<T> type) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            byte[] p = next();
            Object m = GuestFrames.isVersionRange(p) ? GuestFrames.decodeVersionRange(p)
                    : p.length > 0 && new String(p).contains("\"type\"") ? GuestFrames.decodeMessage(p)
                    : GuestFrames.decodeVersionChoice(p);
            if (type.isInstance(m)) {
                return type.cast(m);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " within 5 s");
    }

    void dropConnection() throws IOException {
        conn.close();
    }

    @Override
    public void close() throws IOException {
        if (conn != null) {
            conn.close();
        }
        server.close();
    }
}
