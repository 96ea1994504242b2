package io.vmflex.migration;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Opens the target-side local connection for an accepted channel, i.e. connects to the target
 * QEMU's {@code -incoming unix:} socket. Called on a handshake thread, only after the peer proved it
 * knows the cluster secret. Must return a connected channel in blocking mode.
 */
@FunctionalInterface
public interface LocalEndpoint {

    SocketChannel open(int channel) throws IOException;

    /** Every channel connects to the same Unix socket, as QEMU's {@code -incoming unix:path} expects. */
    static LocalEndpoint unix(Path path) {
        return channel -> {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(path));
                return ch;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        };
    }
}
