package io.vmflex.kube.webhook;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.kube.testing.KubeApiServer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/** Shared steps of the webhook's tests on the real API server. */
final class ApiServerFixtures {

    static final Path CRDS = Path.of("../deploy/crds");

    private ApiServerFixtures() {
    }

    static void installCrds(KubeApiServer kube) {
        kube.kubectl("apply", "-f", CRDS.toString()).orFail();
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                "crd/virtualmachines.vm.neon.tech").orFail();
    }

    static void namespace(KubeApiServer kube, String name) {
        if (!kube.kubectl("get", "namespace", name).ok()) {
            kube.kubectl("create", "namespace", name).orFail();
        }
    }

    /**
     * Waits until the API server calls the webhook: a server-side dry run of an invalid VM is denied by it
     * (the API server picks up a new or changed configuration shortly after it is written; a dry run
     * stores nothing either way).
     */
    static void awaitJudging(KubeApiServer kube, String namespace) throws IOException {
        String invalid = computeNode(namespace, "judging-probe", "3");
        String[] last = {""};
        try {
            org.awaitility.Awaitility.await().atMost(30, java.util.concurrent.TimeUnit.SECONDS)
                    .pollInterval(java.time.Duration.ofMillis(200))
                    .until(() -> {
                        last[0] = kube.kubectlWithInput(invalid, "create", "--dry-run=server", "-f", "-").stderr();
                        return last[0].contains("denied the request: spec.guest.cpus.use");
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the API server did not call the webhook within 30 s; kubectl said: " + last[0].strip(), e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The compute-node manifest in {@code namespace} under {@code name}, with {@code use} vCPUs (its max is 2). */
    static String computeNode(String namespace, String name, String use) throws IOException {
        String yaml = Files.readString(Reviews.COMPUTE_NODE);
        return yaml.replace("name: vm-compute-node", "name: " + name)
                .replace("namespace: demo", "namespace: " + namespace)
                .replace("use: \"500m\"", "use: " + use);
    }

    /** The CAs the configuration's (only) webhook tells the API server to trust. */
    static List<X509Certificate> caBundle(KubernetesClient client, String configName) {
        ValidatingWebhookConfiguration config = client.admissionRegistration().v1().validatingWebhookConfigurations()
                .withName(configName).get();
        String pem = new String(Base64.getDecoder().decode(config.getWebhooks().getFirst().getClientConfig().getCaBundle()),
                StandardCharsets.US_ASCII);
        return Pem.certificates(pem);
    }

    static SSLContext trusting(List<X509Certificate> cas) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
            trust.setCertificateEntry("ca" + i, cas.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }
}
