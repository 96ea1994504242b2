package io.vmflex.kube.permit;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.kube.placement.PlacementScheduler;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.SchedulerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The permit API of one {@code vmflex scheduler} replica, put together: its own certificate, the
 * HTTPS server (started at once: a standby answers 503 naming the leader), and, when the replica
 * starts leading, fresh {@link PermitBooks} over the replica's watch cache, with the CA published
 * for the agents first. The books live as long as the leadership: the command exits when it is
 * lost, so a new leader always starts from nothing and re-reads the cluster and the agents' reports.
 *
 * <p>Start and close from one owner.
 */
public final class SchedulerPermits implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerPermits.class);

    /** What the books count as a node's: allocatable already leaves the kubelet's and the system's share out. */
    public static final SchedulerConfig BOOKS = new SchedulerConfig(Amount.ZERO, SchedulerConfig.DEFAULT_WATERMARK,
            SchedulerConfig.NEON_UNIT);

    private final PermitServer server;
    private volatile PermitBooks books;

    private SchedulerPermits(PermitServer server) {
        this.server = server;
    }

    /**
     * @param hosts     the names and addresses in the serving certificate (what agents put in --scheduler-url)
     * @param onDecided run after each permit the books decide (must not block): the watermark rounds look again
     */
    public static SchedulerPermits start(KubernetesClient client, PlacementScheduler scheduler, InetSocketAddress listen,
                                         List<String> hosts, String namespace, Clock clock, Runnable onDecided)
            throws IOException {
        PermitTls.Issued tls = PermitTls.issue(hosts, clock);
        PermitServer server = PermitServer.start(listen, tls.keys(),
                new PermitAuthenticator(new ApiTokenReviewer(client), scheduler.cache()::pod, clock), new PermitCounters());
        SchedulerPermits permits = new SchedulerPermits(server);
        scheduler.onNewLeader(server::leader);
        scheduler.leading().thenRunAsync(() -> {
            try {
                PermitTls.publish(client, namespace, tls.caPem());
                PermitBooks started = new PermitBooks(new Scheduler(BOOKS), scheduler.cache(), onDecided);
                started.start();
                permits.books = started;
                server.lead(started);
                LOG.info("permit API leading on {}: CA published in {}/{}", hostPort(server), namespace, PermitTls.CONFIG_MAP);
            } catch (RuntimeException e) {
                LOG.error("permit API could not start leading; it answers 503", e);
            }
        });
        LOG.info("permit API on https://{} (hosts {})", hostPort(server), hosts);
        return permits;
    }

    private static String hostPort(PermitServer server) {
        return server.address().getHostString() + ":" + server.address().getPort();
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public PermitServer server() {
        return server;
    }

    /** The leader's books, null on a standby (for metrics and the watermark's view of the accounts). */
    public PermitBooks books() {
        return books;
    }

    @Override
    public void close() {
        server.lead(null);
        server.close();
        PermitBooks b = books;
        if (b != null) {
            b.close();
        }
    }

    /** For callers that need to wait for the books (tests). */
    public static CompletableFuture<Void> leading(PlacementScheduler scheduler) {
        return scheduler.leading();
    }
}
