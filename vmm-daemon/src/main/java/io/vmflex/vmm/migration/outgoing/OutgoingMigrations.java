package io.vmflex.vmm.migration.outgoing;

import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.supervisor.VmRegistry;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Starts live migrations of this node's VMs, cancels them, and remembers the last {@value #KEEP}
 * of them for the admin API.
 *
 * <p>Thread-safe.
 */
public final class OutgoingMigrations {
    static final int KEEP = 50;

    private final NodeContext node;
    private final VmRegistry registry;
    private final ClusterSecret secret;
    private final RelayOptions relayOptions;
    private final MigrationHistory history;
    private final LinkedHashMap<String, MigrationStatus> recent = new LinkedHashMap<>(); // guarded by this
    private final Map<String, OutgoingMigration> running = new HashMap<>(); // by id; guarded by this

    /**
     * @param secret       null when this daemon has no cluster secret: migrations are then refused
     * @param relayOptions how this daemon connects to targets: its migration encryption setting and the relay's tunables
     * @param history      where ended migrations are kept across restarts
     */
    public OutgoingMigrations(NodeContext node, VmRegistry registry, ClusterSecret secret, RelayOptions relayOptions,
            MigrationHistory history) {
        this.node = node;
        this.registry = registry;
        this.secret = secret;
        this.relayOptions = relayOptions;
        this.history = history;
        for (MigrationStatus s : history.load()) {
            recent.put(s.id(), s);
        }
        if (secret != null) {
            new InterruptedMigrations(node, registry,
                    target -> new SocketControlPath(TargetAddress.parse(target), secret, relayOptions))
                    .settleInBackground();
        }
    }

    /** A migration that was started: its first status and its end (the final status). */
    public record Started(MigrationStatus initial, CompletableFuture<MigrationStatus> done) {
    }

    /** What a cancel did. */
    public sealed interface Cancel {
        /** The migration stops at its next poll; {@code status} is its state when asked. */
        record Accepted(MigrationStatus status) implements Cancel {
        }

        /** It had ended, or is being committed on the target: nothing to cancel. */
        record TooLate(MigrationStatus status) implements Cancel {
        }

        record Unknown(String what) implements Cancel {
        }
    }

    /**
     * @param multifdChannels 1 for a plain migration, N &ge; 2 for multifd with N channels
     * @throws IllegalStateException when this daemon cannot migrate, or the VM is migrating already
     * @throws IllegalArgumentException when multifdChannels is outside 1..{@value MigrationTuning#MAX_MULTIFD_CHANNELS}
     */
    public Started start(String vm, InetSocketAddress target, long downtimeLimitMs, long maxBandwidthMbps,
            int multifdChannels, MigrationTimeouts timeouts) {
        if (secret == null) {
            throw new IllegalStateException("this daemon has no cluster secret (--cluster-secret): it cannot migrate");
        }
        UUID id = UUID.randomUUID();
        MigrationStatus initial = MigrationStatus.preparing(id.toString(), vm,
                target.getHostString() + ":" + target.getPort(), relayOptions.encryption(), node.clock().instant());
        var m = new OutgoingMigration(new OutgoingMigration.Request(id, target, downtimeLimitMs, maxBandwidthMbps,
                multifdChannels, timeouts), secret, relayOptions, node, initial, this::record,
                new SocketControlPath(target, secret, relayOptions));
        synchronized (this) {
            if (activeFor(vm).isPresent()) {
                throw new IllegalStateException("VM " + vm + " is migrating already (" + activeFor(vm).get() + ")");
            }
            running.put(id.toString(), m);
            record(initial);
        }
        CompletableFuture<MigrationStatus> done = registry.migrateOut(vm, m).handle((moved, e) -> {
            synchronized (this) {
                running.remove(id.toString());
            }
            if (e != null) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                MigrationStatus now = get(id.toString()).orElse(initial);
                if (now.phase().isFinal()) {
                    return now;
                }
                MigrationStatus failed = now.finished(MigrationPhase.Failed, "NotStarted", c.getMessage(),
                        node.clock().instant());
                record(failed);
                return failed;
            }
            return get(id.toString()).orElse(initial);
        });
        return new Started(initial, done);
    }

    /** Cancels migration {@code id}. */
    public Cancel cancel(String id) {
        OutgoingMigration m;
        synchronized (this) {
            MigrationStatus s = recent.get(id);
            if (s == null) {
                return new Cancel.Unknown("migration \"" + id + "\"");
            }
            m = running.get(id);
            if (m == null || s.phase().isFinal()) {
                return new Cancel.TooLate(s);
            }
        }
        return switch (m.requestCancel()) {
            case ACCEPTED -> new Cancel.Accepted(get(id).orElseThrow());
            case TOO_LATE -> new Cancel.TooLate(get(id).orElseThrow());
        };
    }

    /** Cancels the running migration of VM {@code vm}. */
    public Cancel cancelVm(String vm) {
        Optional<String> id;
        synchronized (this) {
            id = activeFor(vm);
            if (id.isEmpty()) {
                return recent.values().stream().filter(s -> s.vm().equals(vm)).reduce((a, b) -> b)
                        .<Cancel>map(Cancel.TooLate::new)
                        .orElse(new Cancel.Unknown("migration of VM \"" + vm + "\""));
            }
        }
        return cancel(id.get());
    }

    private Optional<String> activeFor(String vm) {
        return running.keySet().stream().filter(id -> recent.containsKey(id) && recent.get(id).vm().equals(vm)).findFirst();
    }

    private synchronized void record(MigrationStatus s) {
        MigrationStatus before = recent.put(s.id(), s);
        while (recent.size() > KEEP) {
            String oldest = recent.firstEntry().getKey();
            if (running.containsKey(oldest)) {
                break;
            }
            recent.pollFirstEntry();
        }
        if (s.phase().isFinal() && (before == null || !before.phase().isFinal())) {
            history.save(recent.values().stream().filter(m -> m.phase().isFinal()).toList());
        }
    }

    public synchronized Optional<MigrationStatus> get(String id) {
        return Optional.ofNullable(recent.get(id));
    }

    /** VM {@code vm}'s newest migration from here, if it completed: where it went. */
    public synchronized Optional<MigrationStatus> movedAway(String vm) {
        MigrationStatus newest = null;
        for (MigrationStatus s : recent.values()) {
            if (s.vm().equals(vm)) {
                newest = s;
            }
        }
        return newest != null && newest.phase() == MigrationPhase.Completed ? Optional.of(newest) : Optional.empty();
    }

    /** Newest first. */
    public synchronized List<MigrationStatus> list() {
        List<MigrationStatus> l = new ArrayList<>(recent.values());
        Collections.reverse(l);
        return l;
    }
}
