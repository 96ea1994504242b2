package io.vmflex.cli.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.kube.node.NodeClients;
import io.vmflex.kube.node.NodeController;
import io.vmflex.vmm.Vmmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Kubernetes mode of a node: the API client (a kubeconfig file, or the pod's service account when
 * run in a cluster) and the node controller over the daemon. Closing it stops the controller and
 * leaves the VMs running.
 */
public final class KubeNode implements AutoCloseable {
    private final KubernetesClient client;
    private final NodeController controller;

    private KubeNode(KubernetesClient client, NodeController controller) {
        this.client = client;
        this.controller = controller;
    }

    /** Whether to run in Kubernetes mode: a kubeconfig was given, or this runs in a pod. */
    public static boolean wanted(Path kubeconfig) {
        return kubeconfig != null || System.getenv("KUBERNETES_SERVICE_HOST") != null;
    }

    /** @param kubeconfig null: the in-cluster configuration (service account token, KUBERNETES_SERVICE_HOST) */
    public static Config config(Path kubeconfig) throws IOException {
        if (kubeconfig == null) {
            return Config.autoConfigure(null);
        }
        if (!Files.isReadable(kubeconfig)) {
            throw new IOException("--kubeconfig " + kubeconfig + ": not a readable file");
        }
        return Config.fromKubeconfig(Files.readString(kubeconfig));
    }

    public static KubeNode start(Config config, Vmmd vmmd) {
        KubernetesClient client = NodeClients.forNode(config);
        try {
            NodeController controller = NodeController.start(client, vmmd.config().nodeName(),
                    new DaemonNodeVms(vmmd.vms(), vmmd.events()), Clock.systemUTC(), NodeController.Settings.DEFAULTS);
            return new KubeNode(client, controller);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** The node's API client (its service account): the agent in cluster mode patches VMs with it. */
    public KubernetesClient client() {
        return client;
    }

    @Override
    public void close() {
        controller.close();
        client.close();
    }
}
