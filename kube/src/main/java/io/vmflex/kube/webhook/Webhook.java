package io.vmflex.kube.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The running admission webhook: certificates made or loaded and the configuration written first
 * (so it never serves a certificate the API server does not trust), then the HTTPS server, then a
 * resync every {@link WebhookSettings#resyncEvery} that renews and repairs. Denials of updates are
 * recorded as Events on the VirtualMachine. {@link #close} stops serving; it leaves the configuration
 * in place (with failurePolicy Ignore the API server then admits without asking). Thread-safe.
 */
public final class Webhook implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);

    private final CertificateKeeper keeper;
    private final WebhookServer server;
    private final ScheduledExecutorService resync;

    private Webhook(CertificateKeeper keeper, WebhookServer server, ScheduledExecutorService resync) {
        this.keeper = keeper;
        this.server = server;
        this.resync = resync;
    }

    /**
     * @throws KubernetesClientException when the Secret or the configuration cannot be read or written
     * @throws IOException               when {@code listen} cannot be bound
     */
    public static Webhook start(KubernetesClient client, WebhookSettings settings, InetSocketAddress listen,
                                Clock clock) throws IOException {
        CertificateKeeper keeper = new CertificateKeeper(client, settings, clock);
        keeper.reconcile();
        DenialEvents events = new DenialEvents(client, clock);
        WebhookServer server = WebhookServer.start(listen, keeper.keys(), events::denied);
        ScheduledExecutorService resync = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("webhook-resync").daemon().factory());
        long every = settings.resyncEvery().toMillis();
        resync.scheduleWithFixedDelay(() -> {
            try {
                synchronized (keeper) {
                    keeper.reconcile();
                }
            } catch (RuntimeException e) {
                LOG.warn("webhook resync failed (retried in {} ms): {}", every, e.getMessage());
            }
        }, every, every, TimeUnit.MILLISECONDS);
        LOG.info("admission webhook serving on {} for {}", server.address(), settings.endpoint());
        return new Webhook(keeper, server, resync);
    }

    /** One resync now (tests, and a rotation asked for by an operator); see {@link CertificateKeeper#reconcile}. */
    public CertState resyncNow() {
        synchronized (keeper) {
            return keeper.reconcile();
        }
    }

    public InetSocketAddress address() {
        return server.address();
    }

    /** The certificate served now. */
    public KeyPairCert serving() {
        return keeper.keys().current();
    }

    @Override
    public void close() {
        resync.shutdownNow();
        server.close();
    }
}
