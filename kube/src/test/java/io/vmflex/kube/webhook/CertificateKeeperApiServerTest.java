package io.vmflex.kube.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas' keepers on one Secret, on the real API server: started together from nothing, or after
 * the Secret was deleted, they end up serving the same certificate, the one stored (the loser of the
 * write race takes the winner's instead of overwriting it).
 */
@ExtendWith(KubeApiServerExtension.class)
class CertificateKeeperApiServerTest {

    private static final String NS = "keeper-it";
    private static final String CONFIG = "vmflex-webhook-keeper-it";
    private static KubernetesClient client;
    private static WebhookSettings settings;

    @BeforeAll
    static void setUp(KubeApiServer kube) {
        client = kube.client();
        ApiServerFixtures.namespace(kube, NS);
        // Nothing listens there; the configuration is only written, and deleted at the end.
        settings = new WebhookSettings(NS, WebhookSettings.SECRET, CONFIG,
                new WebhookEndpoint.Url(URI.create("https://127.0.0.1:9/validate")), WebhookSettings.FailurePolicy.Ignore,
                RotationPolicy.DEFAULT, Duration.ofMinutes(1));
    }

    @AfterAll
    static void tearDown() {
        if (client != null) {
            client.admissionRegistration().v1().validatingWebhookConfigurations().withName(CONFIG).delete();
            client.close();
        }
    }

    @Test
    void shouldServeOneCertificateWhenReplicasRaceFromNothing() throws Exception {
        for (int round = 0; round < 3; round++) {
            client.secrets().inNamespace(NS).withName(WebhookSettings.SECRET).delete();
            org.awaitility.Awaitility.await().until(() -> client.secrets().inNamespace(NS).withName(WebhookSettings.SECRET).get() == null);
            CertificateKeeper a = new CertificateKeeper(client, settings, Clock.systemUTC());
            CertificateKeeper b = new CertificateKeeper(client, settings, Clock.systemUTC());
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<CertState> fa = CompletableFuture.supplyAsync(() -> { await(go); return a.reconcile(); });
            CompletableFuture<CertState> fb = CompletableFuture.supplyAsync(() -> { await(go); return b.reconcile(); });
            go.countDown();
            fa.get();
            fb.get();
            CertState stored = CertState.fromSecretData(client.secrets().inNamespace(NS).withName(WebhookSettings.SECRET)
                    .get().getData());
            assertTrue(a.keys().current().sameCert(stored.serving()), "replica a serves the stored certificate");
            assertTrue(b.keys().current().sameCert(stored.serving()), "replica b serves the stored certificate");
            assertTrue(ApiServerFixtures.caBundle(client, CONFIG).contains(stored.ca().cert()), "the caBundle trusts its CA");
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
