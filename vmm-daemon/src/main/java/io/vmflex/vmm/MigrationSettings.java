package io.vmflex.vmm;

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
 */
public record MigrationSettings(InetSocketAddress listen, Path clusterSecret, Duration incomingTtl) {

    public MigrationSettings {
        if (incomingTtl.isNegative() || incomingTtl.isZero()) {
            throw new IllegalArgumentException("the incoming migration TTL must be positive, got " + incomingTtl.toSeconds() + " s");
        }
    }

    /** With the default TTL of incoming migrations (5 min). */
    public MigrationSettings(InetSocketAddress listen, Path clusterSecret) {
        this(listen, clusterSecret, io.vmflex.vmm.migration.incoming.IncomingMigrations.DEFAULT_TTL);
    }

    /** Parses {@code host:port}. */
    public static InetSocketAddress parseAddress(String hostPort) {
        return TargetAddress.parse(hostPort);
    }
}
