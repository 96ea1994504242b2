package io.vmflex.migration;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides whether an accepted connection may start a handshake: its address must pass the
 * {@link PeerFilter}, fewer than {@code total} handshakes may be running, and fewer than
 * {@code perPeer} from the same address, so that one address cannot take every slot. A connection
 * that authenticated gives its slot back at once ({@link Slot#release}), so long-lived control
 * connections never hold handshake slots.
 *
 * <p>Thread-safe (one lock; every call is a few map operations).
 */
final class HandshakeAdmission {

    /** Why a connection was turned away. */
    enum Refusal { NOT_A_PEER, TOO_MANY_HANDSHAKES, TOO_MANY_FROM_PEER }

    /** A taken slot; releasing it twice is harmless. */
    final class Slot {
        private final InetAddress peer;
        private boolean released;

        private Slot(InetAddress peer) {
            this.peer = peer;
        }

        void release() {
            synchronized (HandshakeAdmission.this) {
                if (released) {
                    return;
                }
                released = true;
                running--;
                perPeerRunning.merge(peer, -1, (a, b) -> a + b == 0 ? null : a + b);
            }
        }
    }

    /** The outcome: a slot, or why not. */
    record Decision(Slot slot, Refusal refusal) {
    }

    private final int total;
    private final int perPeer;
    private final Map<InetAddress, Integer> perPeerRunning = new HashMap<>();
    private volatile PeerFilter filter = PeerFilter.ANY;
    private int running;

    HandshakeAdmission(int total, int perPeer) {
        if (total < 1 || perPeer < 1 || perPeer > total) {
            throw new IllegalArgumentException("need 1 <= perPeer <= total, got " + perPeer + " and " + total);
        }
        this.total = total;
        this.perPeer = perPeer;
    }

    void filter(PeerFilter filter) {
        this.filter = filter;
    }

    Decision admit(InetAddress peer) {
        if (!filter.admits(peer)) {
            return new Decision(null, Refusal.NOT_A_PEER);
        }
        synchronized (this) {
            if (running >= total) {
                return new Decision(null, Refusal.TOO_MANY_HANDSHAKES);
            }
            if (perPeerRunning.getOrDefault(peer, 0) >= perPeer) {
                return new Decision(null, Refusal.TOO_MANY_FROM_PEER);
            }
            running++;
            perPeerRunning.merge(peer, 1, Integer::sum);
            return new Decision(new Slot(peer), null);
        }
    }

    synchronized int running() {
        return running;
    }
}
