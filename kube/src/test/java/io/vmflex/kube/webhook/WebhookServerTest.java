package io.vmflex.kube.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTPS front on a real socket, as any client sees it: status codes for each kind of bad request, and a swap of the certificate. */
class WebhookServerTest {

    private static final CertificateIssuer ISSUER = new CertificateIssuer();
    private static KeyPairCert ca;
    private static ServingKeyManager keys;
    private static WebhookServer server;
    private static HttpClient http;
    private static final List<AdmissionRequest> DENIED = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Instant now = Instant.now();
        ca = ISSUER.newCa("test-ca", now, Duration.ofDays(1));
        keys = new ServingKeyManager(ISSUER.newServing(ca, List.of("127.0.0.1"), now, Duration.ofDays(1)));
        server = WebhookServer.start(new InetSocketAddress("127.0.0.1", 0), keys, (r, denied) -> {
            synchronized (DENIED) {
                DENIED.add(r);
            }
        });
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (http != null) {
            http.close();
        }
    }

    @Test
    void shouldDenyInvalidVmInTheReview() throws Exception {
        ObjectNode vm = Reviews.storedVm();
        Reviews.at(vm, "spec", "guest", "cpus").put("use", 3);
        HttpResponse<String> response = post("/validate", "application/json",
                Reviews.review(AdmissionReviewCodec.V1, "CREATE", vm, null).toString());
        assertEquals(200, response.statusCode());
        JsonNode answer = Reviews.JSON.readTree(response.body());
        assertFalse(answer.path("response").path("allowed").asBoolean(true));
        assertTrue(answer.path("response").path("status").path("message").asText().startsWith("spec.guest.cpus.use:"));
        synchronized (DENIED) {
            assertFalse(DENIED.isEmpty());
        }
    }

    @Test
    void shouldAnswer400ToGarbage() throws Exception {
        HttpResponse<String> response = post("/validate", "application/json", "{\"garbage\": [1, 2");
        assertEquals(400, response.statusCode());
        assertTrue(response.body().startsWith("bad AdmissionReview: malformed JSON"), response.body());
        assertEquals(400, post("/validate", "application/json", "").statusCode());
    }

    @Test
    void shouldAnswer4xxToWrongRequests() throws Exception {
        assertEquals(404, post("/other", "application/json", "{}").statusCode());
        assertEquals(415, post("/validate", "text/plain", "{}").statusCode());
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(url("/validate")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals(413, post("/validate", "application/json", "x".repeat(WebhookServer.MAX_BODY + 1)).statusCode());
        assertEquals(200, http.send(HttpRequest.newBuilder(url("/healthz")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void shouldServeTheSwappedCertificateOnNewConnections() throws Exception {
        KeyPairCert renewed = ISSUER.newServing(ca, List.of("127.0.0.1"), Instant.now(), Duration.ofDays(1));
        keys.use(renewed);
        // A new client: a new connection, so a new handshake.
        try (HttpClient fresh = HttpClient.newBuilder().sslContext(http.sslContext()).build()) {
            HttpResponse<String> response = fresh.send(HttpRequest.newBuilder(url("/healthz")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            SSLSession session = response.sslSession().orElseThrow();
            assertEquals(renewed.cert(), session.getPeerCertificates()[0]);
        }
    }

    private static HttpResponse<String> post(String path, String type, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(url(path)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI url(String path) {
        return URI.create("https://127.0.0.1:" + server.address().getPort() + path);
    }
}
