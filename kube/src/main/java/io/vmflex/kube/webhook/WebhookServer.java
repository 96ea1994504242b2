package io.vmflex.kube.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;

/**
 * The webhook's HTTPS server (the JDK's HttpsServer, one virtual thread per request): {@code POST
 * /validate} takes an AdmissionReview and answers one; {@code GET /healthz} says ok. TLS 1.2 and 1.3
 * only, with the certificate of a {@link ServingKeyManager}. Request bodies are capped at
 * {@link #MAX_BODY} bytes (413 past it); a body that is not an AdmissionReview gets a 400 with one
 * line saying why; anything else 404, 405 or 415. Thread-safe.
 */
public final class WebhookServer implements AutoCloseable {

    /** Twice the largest object etcd stores (1.5 MiB), as a review carries the object and the old one. */
    public static final int MAX_BODY = 3 * 1024 * 1024 + 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);

    private final HttpsServer server;
    private final ExecutorService executor;

    private WebhookServer(HttpsServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving on {@code listen}.
     *
     * @param onDenied told of every refused object (for events); called on the request's thread
     */
    public static WebhookServer start(InetSocketAddress listen, ServingKeyManager keys,
                                      BiConsumer<AdmissionRequest, AdmissionDecision.Denied> onDenied) throws IOException {
        SSLContext tls;
        try {
            tls = SSLContext.getInstance("TLS");
            tls.init(new KeyManager[] {keys}, null, null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
        HttpsServer server = HttpsServer.create(listen, 64);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                p.setNeedClientAuth(false);
                params.setSSLParameters(p);
            }
        });
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, onDenied));
        server.start();
        return new WebhookServer(server, executor);
    }

    /** The bound address (the port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }

    private static void handle(HttpExchange exchange, BiConsumer<AdmissionRequest, AdmissionDecision.Denied> onDenied) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/healthz")) {
                if (!method.equals("GET")) {
                    reply(exchange, 405, "text/plain", "method not allowed: GET /healthz\n");
                    return;
                }
                reply(exchange, 200, "text/plain", "ok\n");
                return;
            }
            if (!path.equals(WebhookEndpoint.PATH)) {
                reply(exchange, 404, "text/plain", "not found: the webhook serves POST " + WebhookEndpoint.PATH + "\n");
                return;
            }
            if (!method.equals("POST")) {
                reply(exchange, 405, "text/plain", "method not allowed: POST " + WebhookEndpoint.PATH + "\n");
                return;
            }
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
                reply(exchange, 415, "text/plain", "expected Content-Type: application/json\n");
                return;
            }
            byte[] body;
            try {
                body = readCapped(exchange);
            } catch (BadReviewException e) {
                reply(exchange, 400, "text/plain", e.getMessage() + "\n");
                return;
            }
            if (body == null) {
                reply(exchange, 413, "text/plain", "request body exceeds " + MAX_BODY + " bytes\n");
                return;
            }
            AdmissionRequest request;
            try {
                request = AdmissionReviewCodec.parse(body);
            } catch (BadReviewException e) {
                reply(exchange, 400, "text/plain", "bad AdmissionReview: " + e.getMessage() + "\n");
                return;
            }
            AdmissionDecision decision = VmAdmission.review(request);
            if (decision instanceof AdmissionDecision.Denied denied) {
                LOG.info("denied {} of {}/{}: {}", request.operation(), request.namespace(), request.name(), denied.message());
                onDenied.accept(request, denied);
            }
            byte[] answer = AdmissionReviewCodec.response(request, decision);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        } catch (RuntimeException e) {
            LOG.warn("webhook request failed", e);
            throw e;
        }
    }

    /** The body, or null when it is longer than the cap (read no further than one byte past it). */
    private static byte[] readCapped(HttpExchange exchange) throws IOException {
        try {
            return CappedBody.read(exchange, MAX_BODY);
        } catch (NumberFormatException e) {
            throw new BadReviewException("Content-Length is not a number: \""
                    + exchange.getRequestHeaders().getFirst("Content-Length") + '"');
        }
    }

    private static void reply(HttpExchange exchange, int code, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
