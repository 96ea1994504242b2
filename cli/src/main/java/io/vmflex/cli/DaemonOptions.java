package io.vmflex.cli;

import io.vmflex.netbridge.Ipv4Cidr;
import io.vmflex.vmm.ClusterSettings;
import io.vmflex.vmm.MigrationSettings;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;
import io.vmflex.cli.kube.KubeNode;
import io.vmflex.cli.kube.KubernetesSpecAuthority;
import io.vmflex.vmm.api.Admission;
import io.vmflex.vmm.api.SpecAuthority;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The node daemon's options, shared by {@code vmflex daemon} and {@code vmflex up} (a picocli
 * mixin), and starting vmmd from them.
 */
final class DaemonOptions {

    /** A bad combination of options: exit 2 with the message. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** vmmd did not start: exit 1 with the message. */
    static final class StartException extends RuntimeException {
        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Option(names = "--state-dir", description = "State directory (default ${DEFAULT-VALUE})", defaultValue = "/var/lib/vmflex")
    Path stateDir;

    @Option(names = "--socket", description = "Admin API socket (default ${DEFAULT-VALUE})", defaultValue = "/run/vmflex/vmmd.sock")
    Path socket;

    @Option(names = "--node-name", description = "This node's name (default: the host name)")
    String nodeName;

    @Option(names = "--image-dir", description = "Image store (default: <state-dir>/images)")
    Path imageDir;

    @Option(names = "--qemu", description = "QEMU binary (default ${DEFAULT-VALUE})", defaultValue = "/usr/bin/qemu-system-x86_64")
    Path qemu;

    @Option(names = "--admin-group", description = "Group whose members may use the admin socket besides root")
    String adminGroup;

    @Option(names = "--socket-mode", description = "Admin socket permissions (default ${DEFAULT-VALUE})", defaultValue = "rw-rw----")
    String socketMode;

    @Option(names = "--accel", description = "auto, kvm or tcg (default ${DEFAULT-VALUE})", defaultValue = "auto")
    String accel;

    @Option(names = "--cgroup-root", description = "cgroup v2 mount (default: detected)")
    Path cgroupRoot;

    @Option(names = "--cgroup-parent", description = "Folder under the cgroup root for VM groups (default ${DEFAULT-VALUE})", defaultValue = "vmflex")
    String cgroupParent;

    @Option(names = "--bridge", description = "Node bridge the VMs' taps join (default ${DEFAULT-VALUE})", defaultValue = "vmfxbr0")
    String bridge;

    @Option(names = "--vm-network", description = "VM address pool; its first address goes to the bridge (default ${DEFAULT-VALUE})",
            defaultValue = "10.77.0.0/24")
    String vmNetwork;

    @Option(names = "--tap-prefix", description = "VM taps are named <prefix><8 hex> (default ${DEFAULT-VALUE})", defaultValue = "vmfx")
    String tapPrefix;

    @Option(names = "--vm-ip-range", paramLabel = "FIRST-LAST",
            description = "Addresses of --vm-network this node gives new VMs; disjoint per node on one overlay"
                    + " (default: the whole network), e.g. 10.78.0.64-10.78.0.127")
    String vmIpRange;

    @Option(names = "--underlay-address", paramLabel = "IP",
            description = "This node's underlay address: joins the VXLAN overlay (device vmfxvx0, UDP 4789) with the peers")
    String underlayAddress;

    @Option(names = "--overlay-vni", paramLabel = "N", defaultValue = "7800",
            description = "VXLAN network id of the overlay, the same on every node (default ${DEFAULT-VALUE})")
    int overlayVni;

    @Option(names = "--peers", paramLabel = "FILE",
            description = "YAML list of the other nodes {name, underlay, migration}; re-read when it changes")
    Path peersFile;

    @Option(names = "--no-network", description = "Give VMs no NIC")
    boolean noNetwork;

    @Option(names = "--migration-listen", paramLabel = "HOST:PORT",
            description = "Accept live migrations from other daemons here (needs --cluster-secret); e.g. 10.0.0.5:7451")
    String migrationListen;

    @Option(names = "--cluster-secret", paramLabel = "FILE",
            description = "Shared secret of the daemons that may migrate to each other (>= 32 bytes, mode 0600)")
    Path clusterSecret;

    @Option(names = "--migration-incoming-ttl", paramLabel = "SECONDS", defaultValue = "300",
            description = "Drop a prepared incoming migration nobody committed after this long (default ${DEFAULT-VALUE} s)")
    long incomingTtlSeconds;

    @Option(names = "--migration-encryption", paramLabel = "on|off", defaultValue = "on",
            description = "Encrypt migrations (AES-256-GCM, the default) and refuse sources that do not; off, for a trusted"
                    + " network only: send guest memory in clear and accept sources that do. Both ends must have the same"
                    + " setting (default ${DEFAULT-VALUE})")
    String migrationEncryption;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Kubernetes mode: run the VirtualMachines bound to this node (label vmflex.io/node=<node name>) from"
                    + " the API server this kubeconfig names; the admin socket then refuses creates, spec changes and deletes."
                    + " In a pod (KUBERNETES_SERVICE_HOST set) the pod's service account is used without it")
    Path kubeconfig;

    // --- agent in cluster mode (issue 18): the node's agent asks vmflex scheduler for permits over HTTPS ---
    @Option(names = "--scheduler-url", paramLabel = "URL",
            description = "Kubernetes mode: autoscale this node's VMs, asking the permit API of vmflex scheduler at this URL"
                    + " (https://HOST:PORT). In a pod the default is " + "https://vmflex-scheduler.vmflex-system.svc:9443")
    String schedulerUrl;

    @Option(names = "--scheduler-ca", paramLabel = "FILE",
            description = "PEM CA certificate the scheduler's permit API is signed by; default: ConfigMap"
                    + " vmflex-system/vmflex-scheduler-ca, which the leading scheduler publishes")
    Path schedulerCa;

    @Option(names = "--scheduler-token-file", paramLabel = "FILE",
            description = "Bearer token shown to the scheduler (read for every call); default: the pod's service account"
                    + " token in a pod, else the kubeconfig's token")
    Path schedulerTokenFile;

    /**
     * How the agent reaches the scheduler in Kubernetes mode, or null for no agent.
     *
     * @throws UsageException for options that do not fit, one line
     */
    io.vmflex.cli.kube.ClusterAgent.Options clusterAgent() {
        if (!kubernetes()) {
            if (schedulerUrl != null || schedulerCa != null || schedulerTokenFile != null) {
                throw new UsageException("--scheduler-url, --scheduler-ca and --scheduler-token-file need Kubernetes mode (--kubeconfig)");
            }
            return null;
        }
        try {
            return io.vmflex.cli.kube.ClusterAgent.options(schedulerUrl, schedulerCa, schedulerTokenFile,
                    System.getenv("KUBERNETES_SERVICE_HOST") != null);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
    // --- end agent in cluster mode ---

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics on http://HOST:PORT/metrics (off by default), e.g. 127.0.0.1:9464")
    String metricsListen;

    /** The peers file this daemon keeps from the Nodes (Kubernetes mode with an overlay and no --peers), else null. */
    private Path keptPeers;

    /** This node's name: {@code --node-name}, else the host name. */
    String node() throws UnknownHostException {
        return nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName();
    }

    /**
     * The live migration settings, or null without {@code --cluster-secret} (no migrations).
     *
     * @throws UsageException for a bad combination or value, with the one-line reason
     */
    MigrationSettings migration() {
        boolean encryption = switch (migrationEncryption) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new UsageException("--migration-encryption must be on or off, got \"" + migrationEncryption + "\"");
        };
        if (clusterSecret == null) {
            // Kubernetes mode without the Secret vmflex-cluster: said at start; the node just takes no migrations.
            if (migrationListen != null && !kubernetes()) {
                throw new UsageException("--migration-listen needs --cluster-secret");
            }
            return null;
        }
        return new MigrationSettings(MigrationSettings.parseAddress(migrationListen != null ? migrationListen : "127.0.0.1:7451"),
                clusterSecret, Duration.ofSeconds(incomingTtlSeconds), encryption);
    }

    /** Starts vmmd as the options say. */
    Vmmd start() throws UnknownHostException {
        return start(Admission.ANY);
    }

    /** Whether the node takes its VMs from Kubernetes (a kubeconfig, or in a pod). */
    boolean kubernetes() {
        return KubeNode.wanted(kubeconfig);
    }

    /**
     * The node controller over {@code vmmd}, or null outside Kubernetes mode. The API server need not be
     * reachable: the controller keeps trying, and the VMs keep running meanwhile.
     */
    KubeNode startKubernetes(Vmmd vmmd) {
        if (!kubernetes()) {
            return null;
        }
        io.fabric8.kubernetes.client.Config config;
        try {
            config = KubeNode.config(kubeconfig);
        } catch (java.io.IOException | RuntimeException e) {
            throw new UsageException(e.getMessage());
        }
        KubeNode node = KubeNode.start(config, vmmd, new KubeNode.Membership(advertisedMigration(), underlayAddress, keptPeers));
        System.err.printf("vmflex: Kubernetes mode: node %s runs the VirtualMachines labelled vmflex.io/node=%s (API server %s)%n",
                vmmd.config().nodeName(), vmmd.config().nodeName(), config.getMasterUrl());
        return node;
    }

    /**
     * Where other daemons reach this one's migration listener: {@code --migration-listen} (with
     * {@code --underlay-address} for its host when it listens on every address); null when it takes no migrations.
     */
    private String advertisedMigration() {
        if (clusterSecret == null) {
            return null;
        }
        java.net.InetSocketAddress listen = MigrationSettings.parseAddress(migrationListen != null ? migrationListen : "127.0.0.1:7451");
        String host = listen.getHostString();
        if (listen.getAddress() != null && listen.getAddress().isAnyLocalAddress()) {
            if (underlayAddress == null) {
                System.err.println("vmflex: --migration-listen " + migrationListen + " listens on every address and no"
                        + " --underlay-address names this node's: its Node is not annotated with a migration address");
                return null;
            }
            host = underlayAddress;
        }
        return host + ":" + listen.getPort();
    }

    /**
     * Kubernetes mode without {@code --cluster-secret}: the secret from Secret vmflex-system/vmflex-cluster
     * (copied to {@code <state-dir>/kube-cluster-secret}, mode 0600); with {@code --underlay-address} and no
     * {@code --peers}: the overlay's peers from the Nodes' annotations ({@code <state-dir>/kube-peers.yaml},
     * kept up to date by the migration controller). An API server away leaves both out, said on stderr.
     */
    private void fromCluster() {
        if (!kubernetes() || (clusterSecret != null && (peersFile != null || underlayAddress == null))) {
            return;
        }
        io.fabric8.kubernetes.client.Config config;
        try {
            config = KubeNode.config(kubeconfig);
        } catch (java.io.IOException | RuntimeException e) {
            throw new UsageException(e.getMessage());
        }
        try (io.fabric8.kubernetes.client.KubernetesClient client = io.vmflex.kube.node.NodeClients.forNode(config)) {
            if (clusterSecret == null) {
                var secret = io.vmflex.kube.migration.ClusterMembership.clusterSecret(client);
                if (secret.isPresent()) {
                    Path file = stateDir.resolve("kube-cluster-secret");
                    io.vmflex.kube.migration.ClusterMembership.writeSecretFile(file, secret.get());
                    clusterSecret = file;
                } else {
                    System.err.println("vmflex: no Secret vmflex-system/vmflex-cluster (key secret) and no --cluster-secret:"
                            + " this node takes part in no live migration");
                }
            }
            if (peersFile == null && underlayAddress != null) {
                Path file = stateDir.resolve("kube-peers.yaml");
                var nodes = client.nodes().withLabel(io.vmflex.kube.migration.MigrationController.VM_NODE_LABEL, "true").list()
                        .getItems().stream().map(n -> io.vmflex.kube.migration.VmNode.of(
                                new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(n))).toList();
                io.vmflex.kube.migration.ClusterMembership.writePeers(file, nodes);
                peersFile = file;
                keptPeers = file;
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("vmflex: reading the cluster secret and peers from the API server: " + e.getMessage()
                    + " (this node starts without them)");
        }
    }

    /** Starts vmmd as the options say, with {@code admission} in place before its API serves. */
    Vmmd start(Admission admission) throws UnknownHostException {
        if (kubeconfig != null && !java.nio.file.Files.isReadable(kubeconfig)) {
            throw new UsageException("--kubeconfig " + kubeconfig + ": not a readable file");
        }
        if (!accel.equals("auto") && !accel.equals("kvm") && !accel.equals("tcg")) {
            throw new UsageException("--accel must be auto, kvm or tcg, got \"" + accel + "\"");
        }
        String node = node();
        fromCluster();
        VmmdConfig d = VmmdConfig.defaults(node);
        VmmdConfig config = new VmmdConfig(stateDir, socket, node, imageDir != null ? imageDir : stateDir.resolve("images"),
                qemu, adminGroup, socketMode, d.devKvm(), cgroupRoot, cgroupParent, accel, d.consoleMaxBytes(),
                d.virtioMemBlockBytes(), noNetwork ? null : new VmmdConfig.Network(bridge, vmNetwork, tapPrefix, vmIpRange));
        try {
            MigrationSettings migration = migration();
            ClusterSettings cluster = null;
            if (peersFile != null || underlayAddress != null) {
                cluster = new ClusterSettings(peersFile,
                        underlayAddress == null ? null : Ipv4Cidr.parseAddress(underlayAddress), overlayVni);
            }
            return Vmmd.start(config, migration, cluster, admission,
                    kubernetes() ? new KubernetesSpecAuthority() : SpecAuthority.ADMIN_API);
        } catch (UsageException e) {
            throw e;
        } catch (Exception e) {
            throw new StartException("vmmd: " + e.getMessage(), e);
        }
    }
}
