package io.vmflex.migration;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that sits where the underlay would be between source and target daemons
 * and records every byte it forwards, both ways, of every connection (what a packet capture of the
 * migration would hold). It can flip one byte of the source → target direction at a given offset
 * of each connection, playing an attacker in the path.
 *
 * <p>Thread-safe: {@link #captured()} may be read while connections run.
 */
final class RecordingProxy implements AutoCloseable {

    private final ServerSocketChannel server;
    private final InetSocketAddress upstream;
    private final long tamperAt;
    private final ByteArrayOutputStream capture = new ByteArrayOutputStream();
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    /** @param tamperAt offset in each connection's source → target bytes to flip, or -1 for none */
    RecordingProxy(InetSocketAddress upstream, long tamperAt) throws IOException {
        this.upstream = upstream;
        this.tamperAt = tamperAt;
        this.server = ServerSocketChannel.open();
        server.bind(TestSockets.loopback(0));
        this.acceptor = Thread.ofPlatform().daemon().name("recording-proxy").start(this::acceptLoop);
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** Every byte forwarded so far, in either direction. */
    byte[] captured() {
        synchronized (capture) {
            return capture.toByteArray();
        }
    }

    boolean capturedContains(String marker) {
        return new String(captured(), StandardCharsets.ISO_8859_1).contains(marker);
    }

    private void acceptLoop() {
        while (true) {
            try {
                SocketChannel client = server.accept();
                SocketChannel target = SocketChannel.open(upstream);
                open.add(client);
                open.add(target);
                Thread.ofPlatform().daemon().start(() -> forward(client, target, tamperAt));
                Thread.ofPlatform().daemon().start(() -> forward(target, client, -1));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void forward(SocketChannel in, SocketChannel out, long flipAt) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long offset = 0;
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                buf.flip();
                if (flipAt >= offset && flipAt < offset + n) {
                    int i = (int) (flipAt - offset);
                    buf.put(i, (byte) (buf.get(i) ^ 0x20));
                }
                offset += n;
                synchronized (capture) {
                    capture.write(buf.array(), 0, n);
                }
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                buf.clear();
            }
            out.shutdownOutput();
        } catch (IOException e) {
            Relay.closeQuietly(in);
            Relay.closeQuietly(out);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel c : open) {
            Relay.closeQuietly(c);
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
