package io.vmflex.vmm;

import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.migration.outgoing.TargetAddress;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Live migration between daemons ({@code --migration-listen host:port}, {@code --cluster-secret FILE}):
 * the address the target side listens on for data and control connections, and the file of the
 * secret every daemon of the cluster shares (mode 0600 or stricter).
 *
 * @param incomingTtl how long a prepared incoming migration waits for its commit before this
 *                    daemon drops its paused QEMU (a source that died after prepare never commits)
 * @param encryption  on (the default): every migration connection this daemon opens is encrypted, and
 *                    it refuses a source that sends in clear. Off ({@code --migration-encryption off},
 *                    for trusted networks only): it sends in clear and accepts a source that does; a
 *                    source that still encrypts is served encrypted. A source with it off and a target
 *                    with it on fail the handshake with a one-line error that says so
 */
public record MigrationSettings(InetSocketAddress listen, Path clusterSecret, Duration incomingTtl, boolean encryption) {

    public MigrationSettings {
        if (incomingTtl.isNegative() || incomingTtl.isZero()) {
            throw new IllegalArgumentException("the incoming migration TTL must be positive, got " + incomingTtl.toSeconds() + " s");
        }
    }

    /** Encrypted, with the default TTL of incoming migrations (5 min). */
    public MigrationSettings(InetSocketAddress listen, Path clusterSecret) {
        this(listen, clusterSecret, io.vmflex.vmm.migration.incoming.IncomingMigrations.DEFAULT_TTL);
    }

    /** Encrypted. */
    public MigrationSettings(InetSocketAddress listen, Path clusterSecret, Duration incomingTtl) {
        this(listen, clusterSecret, incomingTtl, true);
    }

    /** The relay and handshake options every migration connection of this daemon uses, either side. */
    public RelayOptions relayOptions() {
        return RelayOptions.DEFAULTS.withEncryption(encryption);
    }

    /** Parses {@code host:port}. */
    public static InetSocketAddress parseAddress(String hostPort) {
        return TargetAddress.parse(hostPort);
    }
}
