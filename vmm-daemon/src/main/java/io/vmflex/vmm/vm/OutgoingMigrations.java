package io.vmflex.vmm.vm;

import io.vmflex.migration.ClusterSecret;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Starts live migrations of this node's VMs and remembers the last {@value #KEEP} of them for the
 * admin API.
 *
 * <p>Thread-safe.
 */
public final class OutgoingMigrations {
    static final int KEEP = 50;

    private final NodeContext node;
    private final VmRegistry registry;
    private final ClusterSecret secret;
    private final LinkedHashMap<String, MigrationStatus> recent = new LinkedHashMap<>(); // guarded by this

    /** @param secret null when this daemon has no cluster secret: migrations are then refused */
    public OutgoingMigrations(NodeContext node, VmRegistry registry, ClusterSecret secret) {
        this.node = node;
        this.registry = registry;
        this.secret = secret;
    }

    /** A migration that was started: its first status and its end (the final status). */
    public record Started(MigrationStatus initial, CompletableFuture<MigrationStatus> done) {
    }

    public Started start(String vm, InetSocketAddress target, long downtimeLimitMs, long maxBandwidthMbps) {
        return start(vm, target, downtimeLimitMs, maxBandwidthMbps, 1);
    }

    /** @param multifdChannels 1 for a plain migration, N &ge; 2 for multifd with N channels */
    public Started start(String vm, InetSocketAddress target, long downtimeLimitMs, long maxBandwidthMbps,
            int multifdChannels) {
        MigrationTuning.checkChannels(multifdChannels);
        if (secret == null) {
            throw new IllegalStateException("this daemon has no cluster secret (--cluster-secret): it cannot migrate");
        }
        UUID id = UUID.randomUUID();
        MigrationStatus initial = new MigrationStatus(id.toString(), vm, target.getHostString() + ":" + target.getPort(),
                "Preparing", "none", "asking the target to prepare", 0, 0, 0, 0, 0, node.clock().instant(), null);
        record(initial);
        var m = new OutgoingMigration(new OutgoingMigration.Request(id, target, downtimeLimitMs, maxBandwidthMbps,
                multifdChannels),
                secret, node, initial, this::record);
        CompletableFuture<MigrationStatus> done = registry.migrateOut(vm, m).handle((moved, e) -> {
            if (e != null) {
                MigrationStatus failed = get(id.toString()).orElse(initial)
                        .finished("Failed", e.getCause() != null ? e.getCause().getMessage() : e.getMessage(),
                                node.clock().instant());
                record(failed);
                return failed;
            }
            return get(id.toString()).orElse(initial);
        });
        return new Started(initial, done);
    }

    private synchronized void record(MigrationStatus s) {
        recent.put(s.id(), s);
        while (recent.size() > KEEP) {
            recent.pollFirstEntry();
        }
    }

    public synchronized Optional<MigrationStatus> get(String id) {
        return Optional.ofNullable(recent.get(id));
    }

    /** Newest first. */
    public synchronized List<MigrationStatus> list() {
        List<MigrationStatus> l = new ArrayList<>(recent.values());
        java.util.Collections.reverse(l);
        return l;
    }
}
