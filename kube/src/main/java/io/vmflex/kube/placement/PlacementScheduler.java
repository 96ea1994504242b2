package io.vmflex.kube.placement;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One replica of {@code vmflex scheduler}: competes for the {@code coordination.k8s.io/v1} Lease
 * (fabric8's LeaderElector over a LeaseLock) and, while it leads, runs a {@link PlacementController}
 * and any {@link LeaderWork} it was given (the watermark migrations).
 * Every replica keeps a {@link ClusterCache} from its start (watches only: a standby writes nothing
 * but its Lease attempts), so a standby that takes over places at once; two replicas never place at
 * once.
 * Leadership lost (its renewals failed past the renew deadline, or another replica holds the Lease)
 * stops the controller and completes {@link #lostLeadership()}; the command exits then, as
 * kube-scheduler does, so that the replica starts over from nothing.
 *
 * <p>Thread-safety: start and close from one owner; the leader callbacks run on fabric8's threads.
 */
public final class PlacementScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PlacementScheduler.class);

    private final KubernetesClient client;
    private final SchedulerSettings settings;
    private final Clock clock;
    private final CompletableFuture<Void> lost = new CompletableFuture<>();
    private final CompletableFuture<Void> leading = new CompletableFuture<>();
    private final ClusterCache cache;
    private CompletableFuture<?> election;
    private volatile java.util.function.Consumer<String> leaderListener = identity -> { };
    private PlacementController controller;
    private final List<LeaderWork> more;
    private final List<AutoCloseable> running = new ArrayList<>();
    private boolean closed;

    public PlacementScheduler(KubernetesClient client, SchedulerSettings settings, Clock clock) {
        this(client, settings, clock, List.of());
    }

    /** With {@code more} work that runs beside placement while this replica leads (watermark migrations). */
    public PlacementScheduler(KubernetesClient client, SchedulerSettings settings, Clock clock, List<LeaderWork> more) {
        this.client = client;
        this.settings = settings;
        this.clock = clock;
        this.cache = new ClusterCache(client);
        this.more = List.copyOf(more);
    }

    /** Starts the cache's watches and competing for the Lease; returns at once. */
    public synchronized void start() {
        cache.start();
        LeaderElectionConfig config = new LeaderElectionConfig(
                new LeaseLock(settings.leaseNamespace(), settings.leaseName(), settings.identity()),
                settings.leaseDuration(), settings.renewDeadline(), settings.retryPeriod(),
                new LeaderCallbacks(this::onStartLeading, this::onStopLeading, this::onNewLeader),
                settings.releaseOnClose(), settings.leaseName());
        election = client.leaderElector().withConfig(config).build().start();
        election.whenComplete((v, e) -> {
            if (e != null && !(e instanceof java.util.concurrent.CancellationException)) {
                LOG.error("leader election ended", e);
            }
            lost.complete(null);
        });
        LOG.info("{} competing for Lease {}/{}", settings.identity(), settings.leaseNamespace(), settings.leaseName());
    }

    /** Completes when this replica has taken the Lease and its controller runs. */
    public CompletableFuture<Void> leading() {
        return leading;
    }

    /** Completes when this replica led and stopped leading, or its election ended. */
    public CompletableFuture<Void> lostLeadership() {
        return lost;
    }

    /** The running controller while leading, else null. */
    public synchronized PlacementController controller() {
        return controller;
    }

    private void onStartLeading() {
        LOG.info("{} leads: starting placement", settings.identity());
        // not on the elector's thread: the first list may take longer than a renewal period
        Thread.ofPlatform().name("vmflex-placement-start").daemon().start(() -> {
            PlacementController started;
            synchronized (this) {
                if (closed || lost.isDone() || controller != null) {
                    return;
                }
                started = new PlacementController(client, cache, settings, clock);
                controller = started;
            }
            try {
                started.start();
                for (LeaderWork work : more) {
                    AutoCloseable w = work.start(client, cache, clock);
                    synchronized (this) {
                        running.add(w);
                    }
                }
                leading.complete(null);
            } catch (RuntimeException e) {
                LOG.error("placement could not start", e);
                stopController();
                lost.complete(null);
            }
        });
    }

    private void onStopLeading() {
        if (stopController()) {
            LOG.warn("{} stopped leading: placement stopped", settings.identity());
        }
        lost.complete(null);
    }

    private void onNewLeader(String identity) {
        LOG.info("Lease {}/{} held by {}", settings.leaseNamespace(), settings.leaseName(), identity);
        leaderListener.accept(identity);
    }

    /** Told the Lease holder's identity whenever it changes (the permit server names it in a standby's 503). */
    public void onNewLeader(java.util.function.Consumer<String> listener) {
        this.leaderListener = listener;
    }

    /** The watch cache every replica keeps (the permit server reads callers' pods and VMs from it). */
    public ClusterCache cache() {
        return cache;
    }

    private boolean stopController() {
        PlacementController stopping;
        List<AutoCloseable> others;
        synchronized (this) {
            stopping = controller;
            controller = null;
            others = List.copyOf(running);
            running.clear();
        }
        for (AutoCloseable w : others.reversed()) {
            try {
                w.close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed", w, e);
            }
        }
        if (stopping != null) {
            stopping.close();
            return true;
        }
        return false;
    }

    /**
     * Stops placing and leaves the election; the Lease is released when the settings say so, else it
     * expires (what a killed replica leaves behind).
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stopController();
        if (election != null) {
            election.cancel(true);
        }
        cache.close();
        lost.complete(null);
    }
}
