package io.vmflex.cli.kube;

import io.vmflex.agent.AgentService;
import io.vmflex.agent.runner.EventSink;
import io.vmflex.kube.permit.PermitAuthenticator;
import io.vmflex.kube.permit.PermitClient;
import io.vmflex.kube.permit.PermitTls;
import io.vmflex.kube.webhook.Pem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The autoscaler agent of a node in Kubernetes mode: the same {@link AgentService} as standalone,
 * with its two cluster-mode ports: permits from {@code vmflex scheduler} over HTTPS
 * ({@link PermitClient}, the node's service account token) and resizes written to the VirtualMachine
 * object ({@link KubeVmPatcher}) for the node controller to apply.
 */
public final class ClusterAgent {

    /** Where the kubelet projects the pod's service account token. */
    public static final Path POD_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");
    /** The scheduler's Service in deploy/. */
    public static final URI IN_CLUSTER_URL = URI.create("https://vmflex-scheduler." + PermitAuthenticator.NAMESPACE + ".svc:9443");

    /**
     * How the agent reaches the scheduler.
     *
     * @param url       the permit API
     * @param ca        PEM file of the CA to trust; null: the scheduler's published ConfigMap
     * @param tokenFile the bearer token's file, read per call; null: the kubeconfig's token
     */
    public record Options(URI url, Path ca, Path tokenFile) {
    }

    private ClusterAgent() {
    }

    /**
     * The options given, or the in-cluster defaults in a pod; null when no scheduler was named outside a
     * pod (the node then runs without autoscaling).
     *
     * @throws IllegalArgumentException with a one-line message naming the option
     */
    public static Options options(String url, Path ca, Path tokenFile, boolean inPod) {
        if (ca != null && !Files.isReadable(ca)) {
            throw new IllegalArgumentException("--scheduler-ca " + ca + ": not a readable file");
        }
        if (tokenFile != null && !Files.isReadable(tokenFile)) {
            throw new IllegalArgumentException("--scheduler-token-file " + tokenFile + ": not a readable file");
        }
        if (url == null) {
            return inPod ? new Options(IN_CLUSTER_URL, ca, tokenFile != null ? tokenFile : POD_TOKEN) : null;
        }
        URI parsed;
        try {
            parsed = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--scheduler-url: not a URL: \"" + url + "\"");
        }
        if (!"https".equals(parsed.getScheme()) || parsed.getHost() == null) {
            throw new IllegalArgumentException("--scheduler-url: must be https://HOST:PORT, got \"" + url + "\"");
        }
        return new Options(parsed, ca, tokenFile != null ? tokenFile : inPod ? POD_TOKEN : null);
    }

    /** The agent, not started yet. */
    public static AgentService create(KubeNode kube, Options options, AgentService.Config config, EventSink sink) {
        Supplier<String> token = token(kube, options.tokenFile());
        Supplier<List<X509Certificate>> trust = options.ca() != null ? () -> readCa(options.ca())
                : () -> PermitTls.readPublished(kube.client(), PermitAuthenticator.NAMESPACE);
        PermitClient permits = new PermitClient(options.url(), token, trust, Duration.ofSeconds(10));
        AgentService agent = new AgentService(config, permits, sink,
                (admin, io, slots) -> new KubeVmPatcher(kube.client(), admin, io, slots, Clock.systemUTC()));
        permits.reportWith(agent::nodeReport);
        return agent;
    }

    private static Supplier<String> token(KubeNode kube, Path file) {
        if (file != null) {
            return () -> {
                try {
                    return Files.readString(file).strip();
                } catch (IOException e) {
                    throw new UncheckedIOException("--scheduler-token-file " + file + ": " + e.getMessage(), e);
                }
            };
        }
        var config = kube.client().getConfiguration();
        String fixed = config.getOauthToken() != null ? config.getOauthToken() : config.getAutoOAuthToken();
        if (fixed == null || fixed.isBlank()) {
            throw new IllegalArgumentException("--scheduler-token-file: required: the kubeconfig has no bearer token to"
                    + " show the scheduler");
        }
        return () -> fixed;
    }

    private static List<X509Certificate> readCa(Path file) {
        try {
            List<X509Certificate> certs = Pem.certificates(Files.readString(file));
            if (certs.isEmpty()) {
                throw new IllegalStateException("--scheduler-ca " + file + ": no PEM certificate in it");
            }
            return certs;
        } catch (IOException e) {
            throw new UncheckedIOException("--scheduler-ca " + file + ": " + e.getMessage(), e);
        }
    }
}
