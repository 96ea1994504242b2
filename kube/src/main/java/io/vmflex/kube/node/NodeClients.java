package io.vmflex.kube.node;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * The API client the node controller is built for. fabric8 retries a failed request by itself up to
 * ten times with doubling pauses (over a minute in all): a worker would sit in one status write for as
 * long while the API server is away. The controller retries each key with its own backoff (at most
 * {@link NodeController.Settings#maxBackoff()}), so the client gives up fast and the node catches up
 * within seconds of the API server's return.
 */
public final class NodeClients {
    private NodeClients() {
    }

    /** A client on {@code config} (changed in place) for {@link NodeController}. */
    public static KubernetesClient forNode(Config config) {
        config.setRequestRetryBackoffLimit(1);
        config.setRequestRetryBackoffInterval(200);
        config.setWatchReconnectInterval(500);
        config.setRequestTimeout(10_000);
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
