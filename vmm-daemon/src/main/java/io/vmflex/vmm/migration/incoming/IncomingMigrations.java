package io.vmflex.vmm.migration.incoming;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.ControlChannel;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import io.vmflex.migration.MigrationListener;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.store.StateStore;
import io.vmflex.vmm.supervisor.VmRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The target side of live migration: answers the source daemon's control requests ({@code prepare},
 * {@code commit}, {@code abort}, {@code fence}) by the rules of {@link ArrivalRules}, and has a
 * {@link Landing} do what they decide. A commit that arrives resumes the copy and hands it to a new
 * supervisor through the re-adoption path ({@link VmRegistry#adopt}).
 *
 * <p>Each migration has its own lock, held for the whole of a prepare and of a commit: a fence, an
 * abort or the watchdog waits for them and then sees how they ended. That is what makes the
 * source's fence final: the target answers "committed" only for a copy that runs, and "dropped" only
 * after it removed the copy and made every later commit of it a refusal.
 *
 * <p>An uncommitted incoming QEMU never outlives its purpose: a watchdog drops it when its QEMU
 * exits, when its stream broke, or after the TTL; a newer {@code prepare} for the same VM
 * supersedes it (its source gave up, perhaps across a cut link); and a daemon that starts finds
 * the ones a previous daemon left behind and kills them ({@link Landing#removeLeftovers}).
 *
 * <p>Thread-safe: each request runs on its control connection's thread. Locks are taken in one
 * order: the prepare lock, then a migration's lock, then (superseding) an older migration's.
 */
public final class IncomingMigrations implements ControlChannel.Service, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IncomingMigrations.class);
    private static final ObjectMapper JSON = ApiMapper.json();
    /** How long a prepared migration may wait for its commit: long enough for a 100 GiB guest at 10 Gbit/s. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    private static final Duration WATCH = Duration.ofSeconds(1);
    /** How long a settled migration is remembered (a late commit or prepare of it is refused meanwhile). */
    private static final Duration REMEMBER_SETTLED = Duration.ofHours(1);

    /** One migration's record; its monitor is the migration's lock. */
    private static final class Arrival {
        final UUID id;
        /** Written under this; read without it only to forget it. */
        volatile ArrivalState state = new ArrivalState.Unknown();
        /** While Pending; written under this, read by the watchdog without it. */
        volatile Landing.PreparedCopy copy;
        /** When it became Committed or Dropped (System.nanoTime); written under this. */
        volatile long settledNanos;

        Arrival(UUID id) {
            this.id = id;
        }
    }

    private final Landing landing;
    private final Duration ttl;
    private final ConcurrentHashMap<UUID, Arrival> arrivals = new ConcurrentHashMap<>();
    /** Prepares one at a time: a VM's folder and NIC are made and removed by name. */
    private final ReentrantLock preparing = new ReentrantLock();

    public IncomingMigrations(NodeContext node, StateStore store, VmRegistry registry, MigrationListener listener) {
        this(node, store, registry, listener, DEFAULT_TTL);
    }

    /**
     * Removes what an earlier daemon left of uncommitted incoming migrations before serving any.
     *
     * @param ttl how long a prepared migration waits for its commit before it is dropped
     */
    public IncomingMigrations(NodeContext node, StateStore store, VmRegistry registry, MigrationListener listener,
            Duration ttl) {
        this(new QemuLanding(node, store, registry, listener), ttl);
    }

    IncomingMigrations(Landing landing, Duration ttl) {
        this.landing = landing;
        this.ttl = ttl;
        landing.removeLeftovers();
    }

    @Override
    public ControlReply handle(ControlRequest request) {
        return switch (request) {
            case ControlRequest.Prepare p -> prepare(p);
            case ControlRequest.Commit c -> act(c.migrationId(), new ArrivalInput.Commit());
            case ControlRequest.Fence f -> act(f.migrationId(), new ArrivalInput.Fence(landing.runsHere(f.vm())));
            case ControlRequest.Abort a -> act(a.migrationId(), new ArrivalInput.Drop("the source aborted"));
        };
    }

    private ControlReply prepare(ControlRequest.Prepare request) {
        VirtualMachine vm;
        try {
            vm = JSON.treeToValue(request.vm(), VirtualMachine.class);
        } catch (JsonProcessingException e) {
            return new ControlReply.Refused("prepare: vm: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            return new ControlReply.Refused("prepare: vm: " + message(e));
        }
        if (vm.metadata() == null || vm.metadata().name() == null) {
            return new ControlReply.Refused("prepare: vm: metadata.name missing");
        }
        String name = vm.metadata().name();
        UUID id = request.migrationId();
        preparing.lock();
        try {
            forgetSettled();
            Arrival a = arrivals.computeIfAbsent(id, Arrival::new);
            synchronized (a) {
                ArrivalRules.Rule rule = ArrivalRules.step(id, a.state, new ArrivalInput.Prepare());
                if (rule.act() != ArrivalRules.Act.PREPARE) {
                    return settle(a, rule);
                }
                // An uncommitted copy of the same VM: its source has moved on (one migration per VM
                // at a time), perhaps unable to tell us across a cut link.
                for (Arrival older : List.copyOf(arrivals.values())) {
                    Landing.PreparedCopy c = older.copy;
                    if (older != a && c != null && c.name().equals(name)) {
                        act(older.id, new ArrivalInput.Drop("superseded by migration " + id));
                    }
                }
                Landing.PreparedCopy copy;
                try {
                    copy = landing.prepare(id, vm, request, ttl);
                } catch (Exception e) {
                    LOG.warn("vm={} preparing incoming migration {} failed: {}", name, id, message(e));
                    return settle(a, ArrivalRules.step(id, a.state, new ArrivalInput.PrepareFailed(message(e))));
                }
                a.copy = copy;
                ControlReply reply = settle(a, ArrivalRules.step(id, a.state, new ArrivalInput.Prepared()));
                long deadline = System.nanoTime() + ttl.toNanos();
                Thread.ofVirtual().name("incoming-watch-" + id.toString().substring(0, 8)).start(() -> watch(a, deadline));
                return reply;
            }
        } finally {
            preparing.unlock();
        }
    }

    /** Steps migration {@code id} under its lock, doing what the rule says. */
    private ControlReply act(UUID id, ArrivalInput input) {
        Arrival a = arrivals.computeIfAbsent(id, Arrival::new);
        synchronized (a) {
            ArrivalRules.Rule rule = ArrivalRules.step(id, a.state, input);
            return switch (rule.act()) {
                case NONE, DISCARD -> settle(a, rule);
                case COMMIT -> commit(a);
                case PREPARE -> throw new IllegalStateException("a prepare goes through prepare()");
            };
        }
    }

    /** Pending -- Commit --> (load, commit point, cont) -- Resumed --> Committed | -- CommitFailed --> Dropped */
    private ControlReply commit(Arrival a) {
        Landing.PreparedCopy copy = a.copy;
        long resumedIn;
        try {
            resumedIn = copy.commit();
        } catch (Exception e) {
            return settle(a, ArrivalRules.step(a.id, a.state, new ArrivalInput.CommitFailed(message(e))));
        }
        ControlReply reply = settle(a, ArrivalRules.step(a.id, a.state, new ArrivalInput.Resumed(resumedIn)));
        a.copy = null;
        copy.arrived();
        return reply;
    }

    /** Takes {@code rule}'s next state, discards the copy if it says so, and returns its answer. Holds a's lock. */
    private static ControlReply settle(Arrival a, ArrivalRules.Rule rule) {
        if (!settled(a.state) && settled(rule.next())) {
            a.settledNanos = System.nanoTime();
        }
        a.state = rule.next();
        if (rule.act() == ArrivalRules.Act.DISCARD) {
            Landing.PreparedCopy copy = a.copy;
            a.copy = null;
            copy.discard(rule.next() instanceof ArrivalState.Dropped d ? d.why() : "dropped");
        }
        return rule.reply();
    }

    /** Drops a pending migration whose QEMU died, whose stream broke, or whose TTL passed. */
    private void watch(Arrival a, long deadline) {
        try {
            while (true) {
                Thread.sleep(WATCH.toMillis());
                Landing.PreparedCopy copy = a.copy;
                if (copy == null) {
                    return;
                }
                String why = copy.lost();
                if (why == null && System.nanoTime() > deadline) {
                    why = "nobody committed it within " + ttl.toSeconds() + " s";
                }
                if (why != null) {
                    act(a.id, new ArrivalInput.Drop(why));
                    return;
                }
            }
        } catch (InterruptedException ignored) {
            // daemon shutdown
        } catch (RuntimeException e) {
            LOG.warn("watching incoming migration {}: {}", a.id, e.toString());
        }
    }

    private static boolean settled(ArrivalState s) {
        return s instanceof ArrivalState.Committed || s instanceof ArrivalState.Dropped;
    }

    /** Forgets migrations settled long ago (without their locks: a settled migration never changes). */
    private void forgetSettled() {
        long now = System.nanoTime();
        arrivals.values().removeIf(a -> settled(a.state) && now - a.settledNanos > REMEMBER_SETTLED.toNanos());
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** Daemon shutdown: a half-migrated VM must not outlive the daemon that would never commit it. */
    @Override
    public void close() {
        for (UUID id : List.copyOf(arrivals.keySet())) {
            Arrival a = arrivals.get(id);
            if (a != null && a.copy != null) {
                act(id, new ArrivalInput.Drop("daemon stopping"));
            }
        }
    }
}
