package io.vmflex.vmm.migration.outgoing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder in front of a target for tests: it lets at most {@code admit} connections
 * through, then stops listening (a connection after that is refused), and counts what it forwarded.
 * Closing one side of a forwarded connection closes the other.
 *
 * <p>Thread-safe; one platform thread accepts, two virtual threads pump each connection.
 */
final class TcpGate implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final int admit;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger ended = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    private TcpGate(InetSocketAddress upstream, int admit) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.upstream = upstream;
        this.admit = admit;
        Thread.ofPlatform().daemon().name("tcp-gate").start(this::acceptLoop);
    }

    /** Forwards the first {@code admit} connections to {@code upstream} and refuses the rest. */
    static TcpGate admitting(int admit, InetSocketAddress upstream) throws IOException {
        return new TcpGate(upstream, admit);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** Connections let through so far. */
    int accepted() {
        return accepted.get();
    }

    /** Forwarded connections that ended (either side closed) and were closed on both sides. */
    int ended() {
        return ended.get();
    }

    private void acceptLoop() {
        try {
            while (accepted.get() < admit) {
                Socket down = server.accept();
                Socket up;
                try {
                    up = new Socket(upstream.getAddress(), upstream.getPort());
                } catch (IOException e) {
                    down.close();
                    continue;
                }
                open.add(down);
                open.add(up);
                accepted.incrementAndGet();
                Runnable both = new Runnable() {
                    private final AtomicInteger done = new AtomicInteger();

                    @Override
                    public void run() {
                        if (done.incrementAndGet() == 1) {
                            closeQuietly(down);
                            closeQuietly(up);
                            ended.incrementAndGet();
                        }
                    }
                };
                Thread.ofVirtual().start(() -> pump(down, up, both));
                Thread.ofVirtual().start(() -> pump(up, down, both));
            }
        } catch (IOException e) {
            // closed
        } finally {
            closeQuietly(server);
        }
    }

    private static void pump(Socket from, Socket to, Runnable end) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] b = new byte[8192];
            for (int n; (n = in.read(b)) >= 0; ) {
                out.write(b, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            end.run();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        open.forEach(TcpGate::closeQuietly);
    }
}
