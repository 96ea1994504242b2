package io.vmflex.vmm.migration.outgoing;

import java.net.InetSocketAddress;

/**
 * A migration target's address as an operator or a marker file writes it, {@code host:port}.
 *
 * <p>Stateless; thread-safe.
 */
public final class TargetAddress {
    private TargetAddress() {
    }

    /** Parses {@code host:port}; the host may be a name (resolved by the caller's connect). */
    public static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected host:port, got \"" + hostPort + "\"");
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
