package io.vmflex.vmm;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Live migration between daemons ({@code --migration-listen host:port}, {@code --cluster-secret FILE}):
 * the address the target side listens on for data and control connections, and the file of the
 * secret every daemon of the cluster shares (mode 0600 or stricter).
 */
public record MigrationSettings(InetSocketAddress listen, Path clusterSecret) {

    /** Parses {@code host:port}. */
    public static InetSocketAddress parseAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected host:port, got \"" + hostPort + "\"");
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
