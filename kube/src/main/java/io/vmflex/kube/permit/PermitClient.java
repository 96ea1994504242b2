package io.vmflex.kube.permit;

import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.PermitService;
import io.vmflex.api.permit.ReportResult;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@link PermitService} over the scheduler's HTTPS permit API ({@link PermitServer}): the agent's
 * side in cluster mode. Sends the node's bearer token (read anew for every call: the kubelet rotates
 * projected tokens), trusts only the scheduler's CA, verifies the host name. When the scheduler answers
 * 428 (it has not had this node's report since it started leading) the client sends the report from
 * {@link #reportWith} and asks once more. Any other refusal is a {@link PermitCallException} with the
 * scheduler's one line; a handshake failure re-reads the CA (a new leader has a new one) before the
 * next call.
 *
 * <p>Thread-safe.
 */
public final class PermitClient implements PermitService {

    /** The scheduler refused or could not be reached; {@code status} 0 when no answer came. */
    public static final class PermitCallException extends RuntimeException {
        private final int status;

        public PermitCallException(int status, String message, Throwable cause) {
            super(message, cause);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final URI base;
    private final Supplier<String> token;
    private final Supplier<List<X509Certificate>> trust;
    private final Duration timeout;
    private volatile HttpClient http;
    private volatile Supplier<NodeReport> reporter;

    /**
     * @param base  e.g. {@code https://vmflex-scheduler.vmflex-system.svc:9443}
     * @param token the node's service account token, read per call
     * @param trust the CA certificates to trust, asked again after a handshake failure
     */
    public PermitClient(URI base, Supplier<String> token, Supplier<List<X509Certificate>> trust, Duration timeout) {
        if (!"https".equals(base.getScheme())) {
            throw new IllegalArgumentException("--scheduler-url: must be https://host:port, got " + base);
        }
        this.base = base;
        this.token = token;
        this.trust = trust;
        this.timeout = timeout;
    }

    /** Where the node report comes from when the scheduler asks for one. */
    public void reportWith(Supplier<NodeReport> reporter) {
        this.reporter = reporter;
    }

    @Override
    public PermitResponse requestPermit(PermitRequest request) {
        byte[] body = PermitCodec.encode(request);
        HttpResponse<byte[]> answer = send("POST", "/v1/permits", body);
        if (answer.statusCode() == 428 && reporter != null) {
            report(reporter.get());
            answer = send("POST", "/v1/permits", body);
        }
        if (answer.statusCode() != 200) {
            throw refused(answer);
        }
        return PermitCodec.decodeResponse(answer.body());
    }

    @Override
    public ReportResult report(NodeReport report) {
        HttpResponse<byte[]> answer = send("PUT", "/v1/nodes/" + report.node() + "/report", PermitCodec.encode(report));
        if (answer.statusCode() != 200) {
            throw refused(answer);
        }
        try {
            return ApiMapper.json().readValue(answer.body(), ReportResult.class);
        } catch (IOException e) {
            throw new PermitCallException(200, "the scheduler's report answer is not a ReportResult: " + e.getMessage(), e);
        }
    }

    private HttpResponse<byte[]> send(String method, String path, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token.get())
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            return client().send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (SSLHandshakeException e) {
            http = null;
            throw new PermitCallException(0, "TLS handshake with the scheduler at " + base + " failed (its CA is re-read"
                    + " for the next call): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new PermitCallException(0, "cannot reach the scheduler at " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PermitCallException(0, "interrupted while asking the scheduler", e);
        }
    }

    private static PermitCallException refused(HttpResponse<byte[]> answer) {
        String line = new String(answer.body(), StandardCharsets.UTF_8).strip();
        return new PermitCallException(answer.statusCode(), "scheduler answered " + answer.statusCode() + ": " + line, null);
    }

    private HttpClient client() {
        HttpClient c = http;
        if (c == null) {
            synchronized (this) {
                c = http;
                if (c == null) {
                    c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                            .sslContext(sslContext(trust.get())).build();
                    http = c;
                }
            }
        }
        return c;
    }

    static SSLContext sslContext(List<X509Certificate> cas) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return tls;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS trust: " + e.getMessage(), e);
        }
    }
}
