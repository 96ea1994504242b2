package io.vmflex.kube.webhook;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.kube.testing.Kubectl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook on a real kube-apiserver, registered with a url clientConfig to itself on 127.0.0.1 and
 * failurePolicy Fail (so a call that does not reach it fails the request instead of slipping through),
 * driven with the machine's kubectl as a person would. Its configuration has a name of its own and is
 * deleted at the end, so the other tests in this JVM are not judged by a webhook that is gone.
 */
@ExtendWith(KubeApiServerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhookApiServerTest {

    private static final String NS = "webhook-it";
    private static final String SYSTEM_NS = "webhook-it-system";
    private static final String CONFIG = "vmflex-webhook-it";
    /** Short lives so a CA rotation fits in the certificates' clock-skew allowance (see RotationPolicy). */
    private static final RotationPolicy SHORT = new RotationPolicy(Duration.ofMinutes(6), Duration.ofMinutes(6));

    private static KubeApiServer kube;
    private static KubernetesClient client;
    private static Webhook webhook;
    private static URI url;
    private static final OffsetClock CLOCK = new OffsetClock();

    @BeforeAll
    static void start(KubeApiServer server) throws Exception {
        kube = server;
        client = server.client();
        ApiServerFixtures.installCrds(kube);
        ApiServerFixtures.namespace(kube, NS);
        ApiServerFixtures.namespace(kube, SYSTEM_NS);
        int port = ApiServerFixtures.freePort();
        url = URI.create("https://127.0.0.1:" + port + WebhookEndpoint.PATH);
        WebhookSettings settings = new WebhookSettings(SYSTEM_NS, WebhookSettings.SECRET, CONFIG, new WebhookEndpoint.Url(url),
                WebhookSettings.FailurePolicy.Fail, SHORT, Duration.ofHours(1));
        webhook = Webhook.start(client, settings, new InetSocketAddress("127.0.0.1", port), CLOCK);
        ApiServerFixtures.awaitJudging(kube, NS);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.admissionRegistration().v1().validatingWebhookConfigurations().withName(CONFIG).delete();
            await().atMost(30, TimeUnit.SECONDS).until(() ->
                    client.admissionRegistration().v1().validatingWebhookConfigurations().withName(CONFIG).get() == null);
        }
        if (webhook != null) {
            webhook.close();
        }
        if (client != null) {
            client.close();
        }
    }

    @Test
    @Order(1)
    void shouldRefuseInvalidVmNamingTheFieldAndStoreNothing() throws Exception {
        Kubectl.Result refused = kube.kubectlWithInput(ApiServerFixtures.computeNode(NS, "too-many-cpus", "3"), "apply", "-f", "-");
        assertFalse(refused.ok(), "kubectl apply of use 3 > max 2 must fail");
        System.out.println("kubectl apply of an invalid VM: " + refused.stderr().strip());
        assertTrue(refused.stderr().contains("denied the request: spec.guest.cpus.use: must be at most spec.guest.cpus.max (2), got 3"),
                refused.stderr());
        Kubectl.Result get = kube.kubectl("get", "neonvm", "too-many-cpus", "-n", NS);
        assertFalse(get.ok());
        assertTrue(get.stderr().contains("NotFound"), get.stderr());
    }

    @Test
    @Order(2)
    void shouldStoreValidVmAndAllowResizeButRefuseImmutableChange() throws Exception {
        kube.kubectlWithInput(ApiServerFixtures.computeNode(NS, "valid", "\"500m\""), "apply", "-f", "-").orFail();
        kube.kubectl("get", "neonvm", "valid", "-n", NS).orFail();

        kube.kubectl("patch", "neonvm", "valid", "-n", NS, "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":2}]").orFail();

        Kubectl.Result immutable = kube.kubectl("patch", "neonvm", "valid", "-n", NS, "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/max\",\"value\":8}]");
        assertFalse(immutable.ok());
        assertTrue(immutable.stderr().contains("denied the request: spec.guest.memorySlots.max: is immutable"), immutable.stderr());
        assertEquals("4", kube.kubectl("get", "neonvm", "valid", "-n", NS, "-o", "jsonpath={.spec.guest.memorySlots.max}").orFail());
        assertEquals("2", kube.kubectl("get", "neonvm", "valid", "-n", NS, "-o", "jsonpath={.spec.guest.cpus.use}").orFail());

        // The refusal is on the VM for kubectl describe to show.
        await().atMost(30, TimeUnit.SECONDS).until(() -> client.v1().events().inNamespace(NS).list().getItems().stream()
                .anyMatch(WebhookApiServerTest::refusalOfValid));
    }

    @Test
    @Order(3)
    void shouldAnswerGarbageWith400OverTheTrustedTls() throws Exception {
        try (HttpClient http = HttpClient.newBuilder()
                .sslContext(ApiServerFixtures.trusting(ApiServerFixtures.caBundle(client, CONFIG))).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"kind\": \"AdmissionReview\", garbage")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, response.statusCode());
            assertTrue(response.body().startsWith("bad AdmissionReview:"), response.body());
        }
    }

    @Test
    @Order(4)
    void shouldRotateCaAndServingCertificateWhileCallsKeepWorking() throws Exception {
        KeyPairCert firstServing = webhook.serving();
        List<X509Certificate> firstBundle = ApiServerFixtures.caBundle(client, CONFIG);
        assertEquals(1, firstBundle.size());

        // Half the CA's life: the next CA is published in the caBundle; the served certificate stays.
        CLOCK.advanceTo(Duration.ofMinutes(3).plusSeconds(10));
        CertState published = webhook.resyncNow();
        List<X509Certificate> bothBundle = ApiServerFixtures.caBundle(client, CONFIG);
        assertEquals(List.of(firstBundle.getFirst(), published.next().cert()), bothBundle);
        assertTrue(webhook.serving().sameCert(firstServing));
        assertRefusedAndAccepted("during-publish");
        // The API server rebuilds its webhook client when it sees the new caBundle; in a cluster the next CA
        // is published for a sixth of the CA's life (two months by default) before it signs anything.
        TimeUnit.SECONDS.sleep(2);

        // Two thirds: the next CA signs a new serving certificate; the old CA stays trusted.
        CLOCK.advanceTo(Duration.ofMinutes(4).plusSeconds(10));
        CertState rotated = webhook.resyncNow();
        assertTrue(rotated.ca().sameCert(published.next()));
        assertFalse(webhook.serving().sameCert(firstServing));
        webhook.serving().cert().verify(published.next().cert().getPublicKey());
        List<X509Certificate> rotatedBundle = ApiServerFixtures.caBundle(client, CONFIG);
        assertEquals(List.of(published.next().cert(), firstBundle.getFirst()), rotatedBundle);
        assertNotEquals(bothBundle, rotatedBundle);
        assertRefusedAndAccepted("after-rotation");

        // What the Secret holds is what is served (a second replica would load it).
        CertState stored = CertState.fromSecretData(client.secrets().inNamespace(SYSTEM_NS)
                .withName(WebhookSettings.SECRET).get().getData());
        assertTrue(stored.serving().sameCert(webhook.serving()));
    }

    /** One invalid VM refused by the webhook (not by a failed call) and one valid VM stored. */
    private static void assertRefusedAndAccepted(String name) throws Exception {
        Kubectl.Result refused = kube.kubectlWithInput(ApiServerFixtures.computeNode(NS, name + "-bad", "3"), "apply", "-f", "-");
        assertFalse(refused.ok());
        assertTrue(refused.stderr().contains("denied the request: spec.guest.cpus.use"), refused.stderr());
        kube.kubectlWithInput(ApiServerFixtures.computeNode(NS, name, "1"), "apply", "-f", "-").orFail();
    }

    private static boolean refusalOfValid(Event e) {
        return "valid".equals(e.getInvolvedObject().getName()) && "UpdateRefused".equals(e.getReason())
                && "vmflex-webhook".equals(e.getSource().getComponent())
                && e.getMessage().startsWith("spec.guest.memorySlots.max: is immutable");
    }
}
