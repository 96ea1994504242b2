package io.vmflex.kube.watermark;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.api.vm.VirtualMachineMigrationStatus.VmmPhase;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.kube.crd.NeonVmm;
import io.vmflex.kube.placement.ClusterCache;
import io.vmflex.kube.placement.RoundLoop;
import io.vmflex.kube.placement.ClusterSnapshot;
import io.vmflex.kube.placement.KubeObjects;
import io.vmflex.kube.placement.LeaderWork;
import io.vmflex.kube.placement.VmInfo;
import io.vmflex.kube.placement.VmWriter.Outcome;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.watermark.WatermarkChoice;
import io.vmflex.scheduler.watermark.WatermarkPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The leader's watermark migrations: every change in the {@link ClusterCache} (watches on VM Nodes, Pods,
 * VirtualMachines and VirtualMachineMigrations; no polling) wakes one loop thread that runs a
 * {@link WatermarkRound} over the cache and hands its decisions to writer threads. Besides changes it
 * wakes only when a VM's cooldown ends. Everything is derived from the API: after a restart or a change
 * of leader the migrations that exist count (in flight, cooldowns), so nothing is created twice.
 *
 * <p>Between a create and its watch event the migration is <em>assumed</em>: the rounds see it in
 * flight, so its VM is not chosen again nor its target's room given away. A create that failed without
 * an answer (it may exist) stays assumed for {@link #UNCERTAIN_CREATE}, by when the watch has shown it if it
 * was made; so does one made, until the watch shows it. A status write in flight is overlaid the same way until the object's resourceVersion moves.
 *
 * <p>Thread-safety: {@link #start()} and {@link #close()} from one owner; informer callbacks and writers
 * only wake the loop and touch the concurrent maps.
 */
public final class WatermarkController implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WatermarkController.class);
    static final Duration UNCERTAIN_CREATE = Duration.ofSeconds(30);
    private static final int WRITERS = 8;

    /** A migration this controller created (or is creating) that its cache has not shown yet. */
    private record Assumed(String namespace, String vmName, String vmKey, String target, String name, Instant until) {
    }

    /** A status write on a migration decided at {@code resourceVersion}. */
    private record StatusWrite(String resourceVersion, String target, String failure) {
    }

    private final ClusterCache cache;
    private final WatermarkSettings settings;
    private final Clock clock;
    private final MigrationWriter writer;
    private final WatermarkEvents events;
    private final Map<String, Assumed> creating = new ConcurrentHashMap<>();
    private final Map<String, StatusWrite> statusWrites = new ConcurrentHashMap<>();
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong targetsChosen = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile int nodesOver;
    private volatile Instant wakeAt;
    private final Map<String, String> stuckLogged = new HashMap<>();

    private final RoundLoop loop;
    private final Runnable wake;
    private final Supplier<List<NodeView>> permitBooks;

    /**
     * @param permitBooks the nodes of this replica's permit books (empty while it has none): room granted to
     *                    agents and not yet in the VMs' specs counts in the rounds
     */
    public WatermarkController(KubernetesClient client, ClusterCache cache, WatermarkSettings settings, Clock clock,
                               String identity, Supplier<List<NodeView>> permitBooks) {
        this.cache = cache;
        this.permitBooks = permitBooks;
        this.loop = new RoundLoop("vmflex-watermark", WRITERS, this::round);
        this.wake = loop::wake;
        this.settings = settings;
        this.clock = clock;
        this.writer = new MigrationWriter(client);
        this.events = new WatermarkEvents(client, clock, identity);
    }

    /** The work for {@code PlacementScheduler}: a started controller per leadership, counting the permit books' grants. */
    public static LeaderWork work(WatermarkSettings settings, String identity, Supplier<List<NodeView>> permitBooks,
                                  Consumer<WatermarkController> started) {
        return (client, cache, clock) -> {
            WatermarkController c = new WatermarkController(client, cache, settings, clock, identity, permitBooks);
            c.start();
            started.accept(c);
            return c;
        };
    }

    /** Waits for the cache's first lists, then runs the loop; returns once it runs. */
    public void start() {
        if (loop.running()) {
            return;
        }
        cache.awaitSynced();
        cache.addListener(wake);
        loop.start();
        LOG.info("watermark migrations {}: watermark {}, at most {} per node, cooldown {} s; {} migrations listed",
                settings.enabled() ? "on" : "off (targets only)", settings.watermark(),
                settings.policy().maxMigrationsPerNode(), settings.policy().cooldown().toSeconds(), cache.migrations().size());
    }

    /** Runs a round soon: the permit books granted room (they are not in the cache the loop watches). */
    public void booksChanged() {
        wake.run();
    }

    /** Rounds run so far. */
    public long rounds() {
        return rounds.get();
    }

    /** VirtualMachineMigrations this controller created. */
    public long created() {
        return created.get();
    }

    /** Targets written for migrations people made without one. */
    public long targetsChosen() {
        return targetsChosen.get();
    }

    /** Migrations people made that this controller ended Failed (nothing could take the VM). */
    public long failed() {
        return failed.get();
    }

    /** Nodes above their watermark in the last round (counting what leaves them). */
    public int nodesOver() {
        return nodesOver;
    }

    private void round() {
        rounds.incrementAndGet();
        Instant now = clock.instant();
        List<VmInfo> vms = new ArrayList<>();
        Set<String> autoMigrating = new HashSet<>();
        for (NeonVm object : cache.vms()) {
            VmInfo vm = KubeObjects.vm(object);
            vms.add(vm);
            var labels = object.getMetadata().getLabels();
            if (labels != null && "true".equals(labels.get(WatermarkChoice.AUTO_MIGRATION_LABEL))) {
                autoMigrating.add(vm.key());
            }
        }
        ClusterSnapshot snapshot = KubeObjects.snapshot(cache.nodes(), cache.pods(), vms);
        List<MigrationInfo> migrations = migrations(now);
        WatermarkRound.Result result = WatermarkRound.plan(snapshot, autoMigrating, migrations,
                GrantedRoom.fromBooks(permitBooks.get()), now, settings);
        nodesOver = result.plan().over().size();
        logStuck(result.plan());
        for (WatermarkDecision d : result.decisions()) {
            switch (d) {
                case WatermarkDecision.Create c -> {
                    Assumed a = new Assumed(c.vm().namespace(), c.vm().name(), c.vm().key(), c.move().target(), null,
                            now.plus(UNCERTAIN_CREATE));
                    creating.put(a.vmKey(), a);
                    loop.submit(() -> create(c, a));
                }
                case WatermarkDecision.AssignTarget t -> {
                    statusWrites.put(t.migration().key(), new StatusWrite(t.migration().resourceVersion(), t.node(), null));
                    loop.submit(() -> assign(t));
                }
                case WatermarkDecision.Fail f -> {
                    statusWrites.put(f.migration().key(), new StatusWrite(f.migration().resourceVersion(), null, f.message()));
                    loop.submit(() -> fail(f));
                }
            }
        }
        Instant next = result.plan().nextCheck();
        for (Assumed a : creating.values()) {
            if (next == null || a.until().isBefore(next)) {
                next = a.until();
            }
        }
        if (next != null && !next.equals(wakeAt)) {
            wakeAt = next;
            loop.wakeLater(Duration.between(now, next).plusMillis(10));
        }
    }

    /** The cache's migrations with this controller's writes in flight overlaid. */
    private List<MigrationInfo> migrations(Instant now) {
        List<MigrationInfo> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> present = new HashSet<>();
        for (NeonVmm object : cache.migrations()) {
            MigrationInfo m = MigrationInfo.of(object);
            names.add(m.key());
            present.add(m.key());
            StatusWrite w = statusWrites.get(m.key());
            if (w != null && !w.resourceVersion().equals(m.resourceVersion())) {
                statusWrites.remove(m.key(), w);
            } else if (w != null) {
                m = new MigrationInfo(m.namespace(), m.name(), m.uid(), m.resourceVersion(), m.vmKey(), m.specTarget(),
                        w.target() != null ? w.target() : m.statusTarget(), m.sourceNode(),
                        w.failure() != null ? VmmPhase.Failed : m.phase(), m.createdAt(),
                        w.failure() != null ? now : m.endedAt(), m.ours(), m.deleting());
            }
            out.add(m);
        }
        statusWrites.keySet().retainAll(present);
        for (Assumed a : creating.values()) {
            boolean seen = a.name() != null && names.contains(a.namespace() + "/" + a.name());
            // by then the watch has shown it if it exists (made, or deleted again by someone meanwhile)
            if (seen || now.isAfter(a.until())) {
                creating.remove(a.vmKey(), a);
                continue;
            }
            out.add(new MigrationInfo(a.namespace(), a.name() == null ? "(creating)" : a.name(), null, null, a.vmKey(),
                    a.target(), null, null, null, now, null, true, false));
        }
        return out;
    }

    private void create(WatermarkDecision.Create c, Assumed a) {
        VmInfo vm = c.vm();
        switch (writer.create(vm.namespace(), vm.name(), c.move().target(), settings.migrationBandwidth())) {
            case MigrationWriter.Created.Written(String name) -> {
                creating.replace(a.vmKey(), a, new Assumed(a.namespace(), a.vmName(), a.vmKey(), a.target(), name, a.until()));
                created.incrementAndGet();
                loop.succeeded();
                LOG.info("created migration {}/{}: {} from {} to {} ({})", vm.namespace(), name, vm.key(), c.move().source(),
                        c.move().target(), c.move().reason());
                events.migrationCreated(vm, c.move().source(), name, "to " + c.move().target() + ": " + c.move().reason());
                loop.wake();
            }
            case MigrationWriter.Created.Refused(String message) -> {
                creating.remove(a.vmKey(), a);
                LOG.warn("migration of {} to {} refused: {}", vm.key(), c.move().target(), message);
                loop.backoff();
            }
            case MigrationWriter.Created.Unknown(String message) -> {
                // it may exist: stays assumed until the watch shows it or UNCERTAIN_CREATE passes
                LOG.warn("migration of {} to {}: no answer ({}); assumed made for {} s", vm.key(), c.move().target(), message,
                        UNCERTAIN_CREATE.toSeconds());
            }
        }
    }

    private void assign(WatermarkDecision.AssignTarget t) {
        Outcome o = writer.assignTarget(t.migration(), t.node());
        if (o instanceof Outcome.Written) {
            targetsChosen.incrementAndGet();
            LOG.info("migration {}: target {}", t.migration().key(), t.node());
        }
        settle(t.migration(), o);
    }

    private void fail(WatermarkDecision.Fail f) {
        Outcome o = writer.fail(f.migration(), f.message());
        if (o instanceof Outcome.Written) {
            failed.incrementAndGet();
            LOG.info("migration {} failed: {}", f.migration().key(), f.message());
        }
        settle(f.migration(), o);
    }

    private void settle(MigrationInfo m, Outcome o) {
        switch (o) {
            case Outcome.Written w -> loop.succeeded();
            case Outcome.Stale s -> {
                statusWrites.remove(m.key());
                loop.wakeLater(Duration.ofMillis(200));
            }
            case Outcome.Gone g -> statusWrites.remove(m.key());
            case Outcome.Failed f -> {
                statusWrites.remove(m.key());
                LOG.warn("status of migration {} not written: {}", m.key(), f.message());
                loop.backoff();
            }
        }
    }

    private void logStuck(WatermarkPlan plan) {
        Map<String, String> now = new HashMap<>();
        for (WatermarkPlan.OverNode n : plan.over()) {
            if (n.stuck() != null) {
                now.put(n.node(), n.stuck());
                if (!n.stuck().equals(stuckLogged.get(n.node()))) {
                    LOG.warn("{}", n.stuck());
                }
            }
        }
        stuckLogged.clear();
        stuckLogged.putAll(now);
    }

    /** Stops the loop and the writers (the cache is its owner's); writes in flight may still land. */
    @Override
    public void close() {
        cache.removeListener(wake);
        loop.close();
    }
}
