package io.vmflex.kube.permit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.vmflex.api.permit.InvalidPermitMessageException;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.kube.webhook.CappedBody;
import io.vmflex.kube.webhook.ServingKeyManager;
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
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scheduler's permit API over HTTPS (the JDK's HttpsServer, one virtual thread per request, TLS
 * 1.2/1.3):
 *
 * <ul>
 *   <li>{@code POST /v1/permits}: a {@link PermitRequest}, answered with a PermitResponse (200);</li>
 *   <li>{@code PUT /v1/nodes/{node}/report}: a {@link NodeReport}, answered with the ReportResult (200);</li>
 *   <li>{@code GET /healthz} (the process lives), {@code GET /readyz} (200 only on the leader with its
 *       books, so a Service sends agents to it), {@code GET /metrics} (Prometheus text).</li>
 * </ul>
 *
 * Every API call is authenticated first ({@link PermitAuthenticator}: 401/403/503), then served only
 * by the leader: a standby answers 503 naming the leader. It does not forward: the agent retries
 * anyway (a permit is asked again on its next tick) and a Service that routes by readiness reaches
 * the leader, so forwarding would only add a second TLS hop and a second place that authenticates.
 * Bodies are capped (413), strictly decoded (400 naming the field), and the answer to anything
 * refused is one line of text. Nothing is decided on a refused call.
 *
 * <p>Thread-safe.
 */
public final class PermitServer implements AutoCloseable {

    public static final String PERMITS = "/v1/permits";
    private static final Pattern REPORT = Pattern.compile("/v1/nodes/([^/]+)/report");
    private static final Logger LOG = LoggerFactory.getLogger(PermitServer.class);

    private final HttpsServer server;
    private final ExecutorService executor;
    private final PermitAuthenticator auth;
    private final PermitCounters counters;
    private volatile PermitBooks books;
    private volatile String leader;

    private PermitServer(HttpsServer server, ExecutorService executor, PermitAuthenticator auth, PermitCounters counters) {
        this.server = server;
        this.executor = executor;
        this.auth = auth;
        this.counters = counters;
    }

    /** Starts serving on {@code listen}; it answers 503 to API calls until {@link #lead} hands it books. */
    public static PermitServer start(InetSocketAddress listen, ServingKeyManager keys, PermitAuthenticator auth,
                                     PermitCounters counters) throws IOException {
        SSLContext tls;
        try {
            tls = SSLContext.getInstance("TLS");
            tls.init(new KeyManager[] {keys}, null, null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
        tuneJdkHttpServer();
        HttpsServer server = HttpsServer.create(listen, 1024);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                params.setSSLParameters(p);
            }
        });
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        PermitServer permit = new PermitServer(server, executor, auth, counters);
        server.createContext("/", permit::handle);
        server.start();
        return permit;
    }

    /**
     * The JDK server's defaults are for a handful of clients: it keeps at most 200 idle connections
     * (every agent beyond that pays a new TLS handshake per call) and leaves Nagle on (a response
     * written as headers then body can wait for a delayed ACK). Read once, when its config class
     * loads; an operator's own -D settings win.
     */
    private static void tuneJdkHttpServer() {
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "4096");
        }
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** This replica leads with {@code books} (started: the cluster re-read); null when it does not lead. */
    public void lead(PermitBooks books) {
        this.books = books;
    }

    /** Who leads, for a standby's 503; null when unknown. */
    public void leader(String identity) {
        this.leader = identity;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public PermitCounters counters() {
        return counters;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            switch (path) {
                case "/healthz" -> {
                    reply(exchange, 200, "ok");
                    return;
                }
                case "/readyz" -> {
                    reply(exchange, books != null ? 200 : 503, books != null ? "leading" : notLeader());
                    return;
                }
                case "/metrics" -> {
                    byte[] text = counters.prometheusText().getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                    exchange.sendResponseHeaders(200, text.length);
                    exchange.getResponseBody().write(text);
                    return;
                }
                default -> { }
            }
            Matcher report = REPORT.matcher(path);
            boolean isPermit = path.equals(PERMITS);
            if (!isPermit && !report.matches()) {
                reply(exchange, 404, "not found: the permit API serves POST " + PERMITS + " and PUT /v1/nodes/{node}/report");
                return;
            }
            String wanted = isPermit ? "POST" : "PUT";
            if (!method.equals(wanted)) {
                reply(exchange, 405, "method not allowed: " + wanted + " " + path);
                return;
            }
            switch (auth.authenticate(exchange.getRequestHeaders().getFirst("Authorization"))) {
                case Authentication.Refused(int status, String reason) -> {
                    counters.refused(status == 401 ? "unauthenticated" : status == 403 ? "forbidden" : "unavailable");
                    LOG.info("refused {} {}: {} {}", method, path, status, reason);
                    reply(exchange, status, reason);
                }
                case Authentication.Authenticated(PermitCaller caller) -> serve(exchange, caller, isPermit,
                        isPermit ? null : report.group(1));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("permit request failed: {}", e.toString());
            throw e;
        }
    }

    private void serve(HttpExchange exchange, PermitCaller caller, boolean isPermit, String pathNode) throws IOException {
        PermitBooks leading = books;
        if (leading == null) {
            counters.refused("not_leader");
            reply(exchange, 503, notLeader());
            return;
        }
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            counters.refused("bad_request");
            reply(exchange, 415, "expected Content-Type: application/json");
            return;
        }
        int cap = isPermit ? PermitCodec.MAX_PERMIT_BODY : PermitCodec.MAX_REPORT_BODY;
        byte[] body = readCapped(exchange, cap);
        if (body == null) {
            counters.refused("bad_request");
            reply(exchange, 413, "request body exceeds " + cap + " bytes");
            return;
        }
        PermitBooks.Answer answer;
        try {
            if (isPermit) {
                answer = leading.permit(caller, PermitCodec.decodeRequest(body));
            } else {
                NodeReport report = PermitCodec.decodeReport(body);
                if (!report.node().equals(pathNode)) {
                    counters.refused("bad_request");
                    reply(exchange, 400, "node: the body names " + report.node() + ", the path " + pathNode);
                    return;
                }
                answer = leading.report(caller, report);
            }
        } catch (InvalidPermitMessageException e) {
            counters.refused("bad_request");
            reply(exchange, 400, e.getMessage());
            return;
        }
        switch (answer) {
            case PermitBooks.Answer.Decided(var response) -> {
                counters.outcome(response.outcome());
                json(exchange, PermitCodec.encode(response));
            }
            case PermitBooks.Answer.Reported(var result, var refused) -> {
                counters.report();
                json(exchange, PermitCodec.encode(result));
            }
            case PermitBooks.Answer.ReportNeeded(String reason) -> {
                counters.refused("report_needed");
                reply(exchange, 428, reason);
            }
            case PermitBooks.Answer.Refused(int status, String reason) -> {
                counters.refused(status == 403 ? "forbidden" : "bad_request");
                LOG.info("refused {} from {} on {}: {}", isPermit ? "permit" : "report", caller.pod(), caller.node(), reason);
                reply(exchange, status, reason);
            }
        }
    }

    private String notLeader() {
        String who = leader;
        return "not the leader: this replica stands by" + (who == null ? "" : "; the leader is " + who);
    }

    private static byte[] readCapped(HttpExchange exchange, int cap) throws IOException {
        try {
            return CappedBody.read(exchange, cap);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void json(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static void reply(HttpExchange exchange, int code, String line) throws IOException {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
