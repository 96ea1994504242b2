package io.vmflex.kube.webhook;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;

/**
 * Keeps the webhook's certificates: reads the Secret, lets the {@link RotationPolicy} decide, writes
 * the Secret back with the resourceVersion it read (a replica that loses the race re-reads and takes
 * the winner's certificates), keeps the configuration's caBundle equal to the Secret's CAs, and only
 * then serves the Secret's serving certificate. Level-triggered: each {@link #reconcile} repairs
 * whatever differs (a deleted Secret, an edited configuration, a certificate due for renewal).
 *
 * <p>Not thread-safe: one caller (the webhook's resync loop).
 */
public final class CertificateKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateKeeper.class);
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;
    private final WebhookSettings settings;
    private final WebhookRegistration registration;
    private final CertificateIssuer issuer = new CertificateIssuer();
    private final Clock clock;
    private ServingKeyManager keys;

    public CertificateKeeper(KubernetesClient client, WebhookSettings settings, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.registration = new WebhookRegistration(client, settings);
        this.clock = clock;
    }

    /** The key manager serving the stored certificate; null before the first {@link #reconcile}. */
    public ServingKeyManager keys() {
        return keys;
    }

    /**
     * One pass: certificates renewed if due, Secret and configuration written if they differ, the
     * served certificate swapped if the Secret's changed.
     *
     * @return the certificates now stored and served
     * @throws KubernetesClientException when the API refuses or is unreachable (the caller retries later)
     */
    public CertState reconcile() {
        CertState state = storeCurrent();
        registration.ensure(state.caBundle(clock.instant()));
        // Served only once the configuration trusts its CA (a new CA was published in it long before).
        if (keys == null) {
            keys = new ServingKeyManager(state.serving());
        } else if (!keys.current().sameCert(state.serving())) {
            keys.use(state.serving());
            LOG.info("serving the certificate valid until {}", state.serving().notAfter());
        }
        return state;
    }

    private CertState storeCurrent() {
        var secrets = client.secrets().inNamespace(settings.namespace());
        for (int attempt = 1; ; attempt++) {
            Instant now = clock.instant();
            Secret secret = secrets.withName(settings.secretName()).get();
            CertState stored = null;
            if (secret != null) {
                try {
                    stored = CertState.fromSecretData(secret.getData());
                } catch (IllegalArgumentException e) {
                    LOG.warn("Secret {}/{} holds no usable certificates ({}): making new ones",
                            settings.namespace(), settings.secretName(), e.getMessage());
                }
            }
            RotationPolicy.Plan plan = settings.rotation().plan(now, stored, settings.endpoint().hosts(), issuer);
            if (plan instanceof RotationPolicy.Keep) {
                return stored;
            }
            RotationPolicy.Change change = (RotationPolicy.Change) plan;
            try {
                write(secret, change.state(), now);
                LOG.info("certificates changed: {}", String.join("; ", change.why()));
                return change.state();
            } catch (KubernetesClientException e) {
                boolean lostRace = e.getCode() == HttpURLConnection.HTTP_CONFLICT;
                if (!lostRace || attempt >= ATTEMPTS) {
                    throw e;
                }
                LOG.info("Secret {}/{} changed meanwhile (another replica): reading it again",
                        settings.namespace(), settings.secretName());
            }
        }
    }

    private void write(Secret existing, CertState state, Instant now) {
        var secrets = client.secrets().inNamespace(settings.namespace());
        if (existing == null) {
            secrets.resource(new SecretBuilder()
                    .withNewMetadata().withName(settings.secretName()).withNamespace(settings.namespace())
                    .addToLabels("app.kubernetes.io/part-of", "vmflex").endMetadata()
                    .withType("Opaque").withData(state.toSecretData(now)).build()).create();
        } else {
            // The resourceVersion read is kept: a concurrent writer makes this a 409, not a lost update.
            existing.setData(state.toSecretData(now));
            existing.setStringData(null);
            secrets.resource(existing).update();
        }
    }
}
