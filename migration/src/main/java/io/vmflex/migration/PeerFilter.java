package io.vmflex.migration;

import java.net.InetAddress;
import java.util.Set;

/**
 * Which remote addresses may open a connection to the migration port at all. Checked right after
 * {@code accept}, before a byte is read: a stranger gets a closed connection and holds nothing.
 * Implementations must be thread-safe and fast (called on the accept thread).
 */
@FunctionalInterface
public interface PeerFilter {

    /** Everyone (the cluster secret is then the only gate). */
    PeerFilter ANY = address -> true;

    boolean admits(InetAddress remote);

    /** Exactly these addresses. */
    static PeerFilter only(Set<InetAddress> addresses) {
        Set<InetAddress> copy = Set.copyOf(addresses);
        return copy::contains;
    }
}
