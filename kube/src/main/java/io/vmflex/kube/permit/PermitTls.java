package io.vmflex.kube.permit;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.kube.webhook.CertificateIssuer;
import io.vmflex.kube.webhook.KeyPairCert;
import io.vmflex.kube.webhook.Pem;
import io.vmflex.kube.webhook.ServingKeyManager;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The permit server's certificate: each scheduler replica issues its own CA and a serving certificate
 * at start (the webhook's {@link CertificateIssuer}; the CA key never leaves the process), and the
 * leader publishes the CA in ConfigMap {@code vmflex-system/vmflex-scheduler-ca} (key {@code ca.crt})
 * when it starts leading. Agents trust that CA (re-read when a handshake fails, i.e. after a leader
 * change) or the one given with {@code --scheduler-ca}. A CA is public; the ConfigMap holds nothing
 * secret. Stateless helpers; thread-safe.
 */
public final class PermitTls {

    public static final String CONFIG_MAP = "vmflex-scheduler-ca";
    public static final String KEY = "ca.crt";
    /** The replica restarts long before this: a leader change issues a new one. */
    public static final Duration VALIDITY = Duration.ofDays(365);

    /** A CA and a serving certificate it signed. */
    public record Issued(KeyPairCert ca, KeyPairCert serving) {
        public String caPem() {
            return Pem.certificate(ca.cert());
        }

        public ServingKeyManager keys() {
            return new ServingKeyManager(serving);
        }
    }

    private PermitTls() {
    }

    /** @param hosts DNS names and IP addresses the agents reach the scheduler by */
    public static Issued issue(List<String> hosts, Clock clock) {
        CertificateIssuer issuer = new CertificateIssuer();
        Instant now = clock.instant();
        KeyPairCert ca = issuer.newCa("vmflex-scheduler-permits", now, VALIDITY);
        return new Issued(ca, issuer.newServing(ca, hosts, now, VALIDITY));
    }

    /** Writes (or replaces) the CA ConfigMap. */
    public static void publish(KubernetesClient client, String namespace, String caPem) {
        ConfigMap map = new ConfigMapBuilder().withNewMetadata().withName(CONFIG_MAP).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/name", "vmflex-scheduler").endMetadata()
                .withData(Map.of(KEY, caPem)).build();
        client.configMaps().inNamespace(namespace).resource(map).createOr(existing -> existing.update());
    }

    /**
     * The published CA.
     *
     * @throws IllegalStateException when there is none or it is not a PEM certificate
     */
    public static List<X509Certificate> readPublished(KubernetesClient client, String namespace) {
        ConfigMap map = client.configMaps().inNamespace(namespace).withName(CONFIG_MAP).get();
        String pem = map == null || map.getData() == null ? null : map.getData().get(KEY);
        if (pem == null) {
            throw new IllegalStateException("no ConfigMap " + namespace + "/" + CONFIG_MAP + " with key " + KEY
                    + ": the scheduler publishes it when it leads");
        }
        List<X509Certificate> certs = Pem.certificates(pem);
        if (certs.isEmpty()) {
            throw new IllegalStateException("ConfigMap " + namespace + "/" + CONFIG_MAP + ": " + KEY + " holds no certificate");
        }
        return certs;
    }
}
