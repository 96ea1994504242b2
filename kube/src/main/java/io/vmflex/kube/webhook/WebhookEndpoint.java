package io.vmflex.kube.webhook;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder;

import java.net.URI;
import java.util.Base64;
import java.util.List;

/**
 * How the API server reaches the webhook: through a Service (the in-cluster install) or by URL (an API
 * server outside the cluster's network, or the tests' server on 127.0.0.1). It decides the
 * configuration's {@code clientConfig} and the names the serving certificate must carry. Immutable.
 */
public sealed interface WebhookEndpoint {

    /** The path the webhook serves reviews on. */
    String PATH = "/validate";

    /** The DNS names or IP addresses the serving certificate is issued for. */
    List<String> hosts();

    /** The configuration's clientConfig with {@code caBundle} (PEM) in it. */
    WebhookClientConfig clientConfig(String caBundlePem);

    /** {@code https://host:port/validate}, reached directly. */
    record Url(URI url) implements WebhookEndpoint {
        public Url {
            if (!"https".equals(url.getScheme()) || url.getHost() == null) {
                throw new IllegalArgumentException("--url must be https://HOST[:PORT][/PATH], got " + url);
            }
            if (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
                throw new IllegalArgumentException("--url must have no user, query or fragment (the API server refuses them), got " + url);
            }
        }

        /** {@code https://HOST[:PORT]}: the path /validate is added when the URL has none. */
        public static Url parse(String text) {
            URI uri;
            try {
                uri = URI.create(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--url is not a URL: " + text);
            }
            if (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")) {
                uri = uri.resolve(PATH);
            }
            return new Url(uri);
        }

        @Override
        public List<String> hosts() {
            String host = url.getHost();
            // URI keeps an IPv6 literal's brackets; a SAN holds the bare address.
            return List.of(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        }

        @Override
        public WebhookClientConfig clientConfig(String caBundlePem) {
            return new WebhookClientConfigBuilder().withUrl(url.toString()).withCaBundle(base64(caBundlePem)).build();
        }
    }

    /** A Service in front of the webhook's pods, on {@code port}. */
    record Service(String namespace, String name, int port) implements WebhookEndpoint {
        public Service {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("service port must be between 1 and 65535, got " + port);
            }
        }

        /** {@code NAMESPACE/NAME} on port 443. */
        public static Service parse(String text) {
            String[] parts = text.split("/", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new IllegalArgumentException("--service must be NAMESPACE/NAME, got \"" + text + '"');
            }
            return new Service(parts[0], parts[1], 443);
        }

        @Override
        public List<String> hosts() {
            // The API server dials <name>.<namespace>.svc and checks the certificate for that name.
            return List.of(name + "." + namespace + ".svc", name + "." + namespace + ".svc.cluster.local",
                    name + "." + namespace, name);
        }

        @Override
        public WebhookClientConfig clientConfig(String caBundlePem) {
            return new WebhookClientConfigBuilder()
                    .withNewService().withNamespace(namespace).withName(name).withPath(PATH).withPort(port).endService()
                    .withCaBundle(base64(caBundlePem)).build();
        }
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
