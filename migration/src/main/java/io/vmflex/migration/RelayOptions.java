package io.vmflex.migration;

import java.time.Duration;

/**
 * Tunables of the relay and its handshake.
 *
 * @param bufferBytes        off-heap buffer per direction, allocated once per relay; 1 MiB by default
 *                           (RelayBench: less relay CPU per GiB than 256 KiB, since a TCP read then
 *                           takes what the socket holds in fewer calls)
 * @param socketBufferBytes  SO_SNDBUF/SO_RCVBUF for the TCP side; 0 leaves the kernel's autotuning
 *                           alone (setting it turns autotuning off for that socket)
 * @param localSendBufferBytes SO_SNDBUF of the daemon's Unix socket to QEMU; 4 MiB by default, 0 leaves
 *                           the kernel default (net.core.wmem_default, ~208 KiB). A Unix stream
 *                           socket holds only as much as its <em>sender's</em> buffer, so this is what
 *                           the target daemon may have in flight into the target QEMU: fewer hand-overs
 *                           between the relay thread and QEMU. Measured (`vmflex bench migration`, two
 *                           A/B runs): relayed throughput +3-6 % single stream, +2-17 % multifd 2. The
 *                           kernel caps it at net.core.wmem_max (packaging/sysctl.d/90-vmflex.conf)
 * @param tcpNoDelay         TCP_NODELAY: on, because QEMU's return path (and postcopy page requests)
 *                           sends small latency-sensitive messages, and bulk writes are large anyway
 *                           (RelayBench: with it off the relay was ~40 % slower on loopback)
 * @param handshakeTimeout   hard limit for the whole hello exchange, and for the TCP connect
 * @param deadPeerAfter      TCP keep-alive on the TCP side so that a receiving end notices a peer it no
 *                           longer hears from (a cut link sends no reset) within about this long: idle
 *                           a third of it, then four probes a sixth apart; zero leaves keep-alive off
 *                           (the default: a sender notices through its own timeouts)
 * @param encryption         on (the default): a source asks for sealed records ({@link RecordLayout}) on
 *                           every connection it opens, data and control alike, and a target refuses a
 *                           source that does not ({@link HelloStatus#ENCRYPTION_REQUIRED}). Off is the
 *                           explicit opt-out for a trusted network: a source then sends the stream in
 *                           clear and a target accepts both, encrypting whenever the source asks
 */
public record RelayOptions(int bufferBytes, int socketBufferBytes, int localSendBufferBytes, boolean tcpNoDelay,
        Duration handshakeTimeout, Duration deadPeerAfter, boolean encryption) {

    public static final RelayOptions DEFAULTS = new RelayOptions(1024 * 1024, 0, 4 * 1024 * 1024, true,
            Duration.ofSeconds(5), Duration.ZERO, true);

    public RelayOptions {
        if (bufferBytes < 4096) {
            throw new IllegalArgumentException("bufferBytes must be at least 4096: " + bufferBytes);
        }
        if (socketBufferBytes < 0) {
            throw new IllegalArgumentException("socketBufferBytes must be >= 0: " + socketBufferBytes);
        }
        if (localSendBufferBytes < 0) {
            throw new IllegalArgumentException("localSendBufferBytes must be >= 0: " + localSendBufferBytes);
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive");
        }
        if (deadPeerAfter.isNegative() || (!deadPeerAfter.isZero() && deadPeerAfter.toSeconds() < 3)) {
            throw new IllegalArgumentException("deadPeerAfter must be zero (off) or at least 3 s: " + deadPeerAfter);
        }
    }

    public RelayOptions withBufferBytes(int bytes) {
        return new RelayOptions(bytes, socketBufferBytes, localSendBufferBytes, tcpNoDelay, handshakeTimeout, deadPeerAfter, encryption);
    }

    public RelayOptions withSocketBufferBytes(int bytes) {
        return new RelayOptions(bufferBytes, bytes, localSendBufferBytes, tcpNoDelay, handshakeTimeout, deadPeerAfter, encryption);
    }

    public RelayOptions withLocalSendBufferBytes(int bytes) {
        return new RelayOptions(bufferBytes, socketBufferBytes, bytes, tcpNoDelay, handshakeTimeout, deadPeerAfter, encryption);
    }

    public RelayOptions withDeadPeerAfter(Duration after) {
        return new RelayOptions(bufferBytes, socketBufferBytes, localSendBufferBytes, tcpNoDelay, handshakeTimeout, after, encryption);
    }

    public RelayOptions withTcpNoDelay(boolean on) {
        return new RelayOptions(bufferBytes, socketBufferBytes, localSendBufferBytes, on, handshakeTimeout, deadPeerAfter, encryption);
    }

    public RelayOptions withHandshakeTimeout(Duration timeout) {
        return new RelayOptions(bufferBytes, socketBufferBytes, localSendBufferBytes, tcpNoDelay, timeout, deadPeerAfter, encryption);
    }

    /** See {@code encryption} above; {@code false} is the opt-out for trusted networks. */
    public RelayOptions withEncryption(boolean on) {
        return new RelayOptions(bufferBytes, socketBufferBytes, localSendBufferBytes, tcpNoDelay, handshakeTimeout,
                deadPeerAfter, on);
    }
}
