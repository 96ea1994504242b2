package io.vmflex.cli.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.kube.migration.ClusterMembership;
import io.vmflex.kube.migration.MigrationController;
import io.vmflex.kube.node.NodeClients;
import io.vmflex.kube.node.NodeController;
import io.vmflex.vmm.Vmmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Kubernetes mode of a node: the API client (a kubeconfig file, or the pod's service account when
 * run in a cluster), the node controller over the daemon, and the migration controller that carries out
 * the VirtualMachineMigrations of this node's VMs (with the Node annotated with where this daemon takes
 * migrations, and the overlay's peers file kept from the Nodes). Closing it stops the controllers and
 * leaves the VMs running.
 */
public final class KubeNode implements AutoCloseable {
    private final KubernetesClient client;
    private final NodeController controller;
    private final MigrationController migrations;
    private final Thread annotate;

    /**
     * What this node tells the cluster and takes from it for migrations.
     *
     * @param migrationAddress host:port other daemons reach this one's migration listener at; null: none
     * @param underlay         this node's overlay endpoint; null: none
     * @param peersFile        the peers file this daemon reads, to be kept from the Nodes; null: not kept
     */
    public record Membership(String migrationAddress, String underlay, Path peersFile) {
        public static final Membership NONE = new Membership(null, null, null);
    }

    private KubeNode(KubernetesClient client, NodeController controller, MigrationController migrations, Thread annotate) {
        this.client = client;
        this.controller = controller;
        this.migrations = migrations;
        this.annotate = annotate;
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
        return start(config, vmmd, Membership.NONE);
    }

    public static KubeNode start(Config config, Vmmd vmmd, Membership membership) {
        KubernetesClient client = NodeClients.forNode(config);
        try {
            String node = vmmd.config().nodeName();
            NodeController controller = NodeController.start(client, node,
                    new DaemonNodeVms(vmmd.vms(), vmmd.events()), Clock.systemUTC(), NodeController.Settings.DEFAULTS);
            MigrationController migrations = MigrationController.start(client, node, controller,
                    new DaemonNodeMigrations(vmmd.migrations()), Clock.systemUTC(), nodes -> {
                        if (membership.peersFile() != null) {
                            ClusterMembership.writePeers(membership.peersFile(), nodes);
                        }
                    });
            Thread annotate = membership.migrationAddress() == null && membership.underlay() == null ? null
                    : ClusterMembership.annotateNode(client, node, membership.migrationAddress(), membership.underlay());
            return new KubeNode(client, controller, migrations, annotate);
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
        if (annotate != null) {
            annotate.interrupt();
        }
        migrations.close();
        controller.close();
        client.close();
    }
}
