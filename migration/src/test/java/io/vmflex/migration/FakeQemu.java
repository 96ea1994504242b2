package io.vmflex.migration;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A Unix listening socket standing in for the target QEMU's {@code -incoming unix:}; accepts only when asked. */
final class FakeQemu implements AutoCloseable {

    final Path path;
    private final ServerSocketChannel server;
    private final List<SocketChannel> accepted = new ArrayList<>();

    FakeQemu(Path path) throws IOException {
        this.path = path;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
    }

    SocketChannel accept() throws IOException {
        SocketChannel ch = server.accept();
        accepted.add(ch);
        return ch;
    }

    /** Connections waiting in the backlog, drained without blocking. */
    int pendingConnections() throws IOException {
        server.configureBlocking(false);
        try {
            int n = 0;
            SocketChannel ch;
            while ((ch = server.accept()) != null) {
                accepted.add(ch);
                n++;
            }
            return n;
        } finally {
            server.configureBlocking(true);
        }
    }

    LocalEndpoint endpoint() {
        return LocalEndpoint.unix(path);
    }

    @Override
    public void close() throws IOException {
        for (SocketChannel ch : accepted) {
            ch.close();
        }
        server.close();
    }
}
