package io.vmflex.migration;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Entry points of the migration data plane, one per side.
 *
 * <pre>
 *  source QEMU ─unix─▶ MigrationSource ══TCP (hello, then stream)══▶ MigrationListener ─unix─▶ target QEMU
 *              ◀─────────────────────── return path, same connections ◀──────────────────────
 * </pre>
 *
 * <p>Stateless.
 */
public final class RelayEndpoints {

    /** What the source needs to open its side: the migration and how many QEMU connections to relay. */
    public record SourceParams(UUID migrationId, int channels) {
    }

    private RelayEndpoints() {
    }

    /** Source side; see {@link MigrationSource#open}. */
    public static MigrationSource openSource(Path qemuUnixListenPath, InetSocketAddress target, SourceParams params,
            ClusterSecret secret, RelayOptions options) throws IOException {
        return MigrationSource.open(qemuUnixListenPath, target, params.migrationId(), params.channels(), secret, options);
    }

    /** Target side; see {@link MigrationListener#start}. Port {@link MigrationListener#DEFAULT_PORT} by default. */
    public static MigrationListener listen(InetSocketAddress address, ClusterSecret secret, RelayOptions options)
            throws IOException {
        return MigrationListener.start(address, secret, options);
    }
}
