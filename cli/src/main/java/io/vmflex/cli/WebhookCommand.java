package io.vmflex.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmflex.kube.webhook.Webhook;
import io.vmflex.kube.webhook.WebhookEndpoint;
import io.vmflex.kube.webhook.WebhookSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code vmflex webhook}: the validating admission webhook for VirtualMachines, in the foreground until
 * SIGTERM. It makes its own CA and serving certificate (Secret {@code vmflex-webhook-tls}), keeps them
 * in the ValidatingWebhookConfiguration {@code vmflex-webhook}, and rotates them before they expire.
 */
@Command(name = "webhook", mixinStandardHelpOptions = true,
        description = "Run the VirtualMachine validating admission webhook (HTTPS, its own certificates).")
final class WebhookCommand implements Callable<Integer> {

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "kubeconfig to reach the API server (default: the pod's service account, else ~/.kube/config)")
    Path kubeconfig;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:8443",
            description = "address to serve HTTPS on (default: ${DEFAULT-VALUE})")
    String listen;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Reach reach;

    static final class Reach {
        @Option(names = "--service", paramLabel = "NS/NAME",
                description = "the Service the API server reaches the webhook through (port 443, path /validate)")
        String service;

        @Option(names = "--url", paramLabel = "URL",
                description = "the https URL the API server reaches the webhook at (an API server outside the cluster network)")
        String url;
    }

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = WebhookSettings.NAMESPACE,
            description = "namespace of the webhook's Secret (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--failure-policy", paramLabel = "Ignore|Fail", defaultValue = "Ignore",
            description = "what the API server does while the webhook is unreachable (default: ${DEFAULT-VALUE}; see README)")
    WebhookSettings.FailurePolicy failurePolicy;

    @Override
    public Integer call() throws Exception {
        WebhookEndpoint endpoint;
        InetSocketAddress address;
        try {
            endpoint = reach.service != null ? WebhookEndpoint.Service.parse(reach.service)
                    : WebhookEndpoint.Url.parse(reach.url);
            address = listenAddress(listen);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        Config config;
        try {
            config = kubeconfig == null ? Config.autoConfigure(null) : Config.fromKubeconfig(Files.readString(kubeconfig));
        } catch (IOException e) {
            System.err.println("error: cannot read --kubeconfig " + kubeconfig + ": " + e.getMessage());
            return 2;
        }
        WebhookSettings settings = WebhookSettings.defaults(endpoint).withNamespace(namespace).withFailurePolicy(failurePolicy);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        Webhook webhook;
        try {
            webhook = Webhook.start(client, settings, address, Clock.systemUTC());
        } catch (KubernetesClientException | IOException e) {
            System.err.println("error: cannot start the webhook: " + e.getMessage());
            client.close();
            return 1;
        }
        System.out.println("vmflex webhook: serving on " + webhook.address() + " for " + endpoint);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            webhook.close();
            client.close();
            stopped.countDown();
        }, "webhook-shutdown"));
        stopped.await();
        return 0;
    }

    /** {@code HOST:PORT}; IPv6 hosts in brackets. */
    static InetSocketAddress listenAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--listen must be HOST:PORT, e.g. 0.0.0.0:8443, got \"" + text + '"');
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen: bad port in \"" + text + '"');
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--listen: port must be between 0 and 65535, got " + port);
        }
        String host = text.substring(0, colon).replace("[", "").replace("]", "");
        return new InetSocketAddress(host, port);
    }
}
