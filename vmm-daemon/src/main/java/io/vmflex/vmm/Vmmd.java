package io.vmflex.vmm;

import io.vmflex.api.admin.NodeInfo;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.ControlChannel;
import io.vmflex.migration.MigrationListener;
import io.vmflex.migration.RelayOptions;
import io.vmflex.netbridge.IpRange;
import io.vmflex.netbridge.Ipv4Cidr;
import io.vmflex.netbridge.NetConfig;
import io.vmflex.netbridge.Overlay;
import io.vmflex.netbridge.OverlayConfig;
import io.vmflex.netbridge.VmNetwork;
import io.vmflex.sys.netlink.RtNetlink;
import io.vmflex.vmm.api.AdminRoutes;
import io.vmflex.vmm.api.Admission;
import io.vmflex.vmm.api.AutoscalingRoutes;
import io.vmflex.api.autoscaling.AutoscalingSource;
import io.vmflex.vmm.api.GuestRoutes;
import io.vmflex.vmm.api.MigrationRoutes;
import io.vmflex.vmm.api.ProfileRoutes;
import io.vmflex.vmm.api.SpecAuthority;
import io.vmflex.vmm.api.VmService;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.http.AdminServer;
import io.vmflex.vmm.http.PeerAuthorizer;
import io.vmflex.vmm.http.Route;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.migration.incoming.IncomingMigrations;
import io.vmflex.vmm.migration.incoming.InterruptedArrival;
import io.vmflex.vmm.migration.outgoing.MigrationHistory;
import io.vmflex.vmm.migration.outgoing.OutgoingMigrations;
import io.vmflex.vmm.node.NodeCheck;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuLauncher;
import io.vmflex.vmm.qemu.QmpSessions;
import io.vmflex.vmm.store.StateStore;
import io.vmflex.vmm.supervisor.VmRegistry;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.GroupPrincipal;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * vmmd: composes the node check, state store, VM registry and admin API. {@link #start} returns
 * once the socket listens and every VM in the state dir has been re-adopted or restarted;
 * {@link #close} lets go of the VMs without stopping them.
 */
public final class Vmmd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Vmmd.class);

    private final VmmdConfig config;
    private final MigrationSettings migration;
    private final ClusterSettings cluster;
    private ClusterNetwork clusterNetwork;
    private MigrationListener migrationListener;
    private IncomingMigrations incoming;
    private OutgoingMigrations outgoing;
    private final EventBus events = new EventBus(1000);
    private volatile VmService service;
    private Admission admission = Admission.ANY;
    private SpecAuthority specAuthority = SpecAuthority.ADMIN_API;
    private AutoscalingRoutes autoscalingRoutes;
    private QmpSessions qmp;
    private RtNetlink netlink;
    private VmRegistry registry;
    private AdminServer server;
    private NodeInfo nodeInfo;

    private Vmmd(VmmdConfig config, MigrationSettings migration, ClusterSettings cluster) {
        this.config = config;
        this.migration = migration;
        this.cluster = cluster;
    }

    public static Vmmd start(VmmdConfig config) throws IOException {
        return start(config, null);
    }

    /** @param migration null: this daemon neither sends nor receives live migrations */
    public static Vmmd start(VmmdConfig config, MigrationSettings migration) throws IOException {
        return start(config, migration, null);
    }

    /**
     * @param migration null: this daemon neither sends nor receives live migrations
     * @param cluster   null: no peers and no overlay
     */
    public static Vmmd start(VmmdConfig config, MigrationSettings migration, ClusterSettings cluster) throws IOException {
        return start(config, migration, cluster, Admission.ANY);
    }

    /**
     * @param admission asked before any new VM is stored, and told the re-adopted VMs before the
     *                  API serves ({@code vmflex up} passes its scheduler)
     */
    public static Vmmd start(VmmdConfig config, MigrationSettings migration, ClusterSettings cluster, Admission admission)
            throws IOException {
        return start(config, migration, cluster, admission, SpecAuthority.ADMIN_API);
    }

    /**
     * @param authority who may create, change and delete VMs through the admin API, in force before it
     *                  serves (Kubernetes mode: nobody; the node controller goes through {@link #vms()})
     */
    public static Vmmd start(VmmdConfig config, MigrationSettings migration, ClusterSettings cluster, Admission admission,
                             SpecAuthority authority) throws IOException {
        Vmmd d = new Vmmd(config, migration, cluster);
        d.admission = admission;
        d.specAuthority = authority;
        try {
            d.startUp();
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void startUp() throws IOException {
        Files.createDirectories(config.stateDir());
        NodeCheck.Result check = NodeCheck.run(config.nodeName(), config.qemuBinary(), config.devKvm(),
                config.cgroupRoot(), config.cgroupParent(), config.accel());
        nodeInfo = check.info();
        LOG.info("node {}: accel {} ({})", config.nodeName(), check.accel(), nodeInfo.accelReason());
        if (!check.cpuUnplugSafe()) {
            LOG.warn("QEMU {} under TCG crashes when a vCPU is plugged again after an unplug: vCPUs will only be added."
                    + " Install QEMU 8.0 or later (Debian 12: bookworm-backports; ci/install-deps.sh does it)", nodeInfo.qemu().version());
        }
        if (!check.migrateAfterCpuUnplugSafe()) {
            LOG.warn("QEMU {} under TCG cannot live-migrate a VM after one of its vCPUs was unplugged (fixed in QEMU 10.2):"
                    + " such migrations are refused; restarting the VM clears it", nodeInfo.qemu().version());
        }
        if (nodeInfo.qemu().version() == null) {
            throw new IOException("QEMU not usable at " + config.qemuBinary() + ": " + nodeInfo.qemu().error());
        }
        qmp = new QmpSessions();
        VmNetwork network = null;
        if (config.network() != null) {
            netlink = RtNetlink.open();
            Ipv4Cidr cidr = Ipv4Cidr.parse(config.network().cidr());
            IpRange range = config.network().ipRange() == null ? IpRange.hostsOf(cidr) : IpRange.parse(config.network().ipRange());
            NetConfig net = new NetConfig(config.nodeName(), config.network().bridge(), cidr, cidr.addressAt(1),
                    config.network().tapPrefix(), config.stateDir(), range);
            network = VmNetwork.open(netlink, net);
        }
        Overlay overlay = null;
        if (cluster != null && cluster.underlay() != null) {
            if (network == null) {
                throw new IOException("an overlay (--underlay-address) needs the VM network; it is off (--no-network)");
            }
            overlay = new Overlay(netlink, OverlayConfig.of(cluster.vni(), cluster.underlay()), network.bridge());
        }
        clusterNetwork = new ClusterNetwork(cluster == null ? null : cluster.peersFile(), config.nodeName(), overlay)
                .watch(Duration.ofSeconds(5));
        StateStore store = new StateStore(config.stateDir());
        ImageStore images = new ImageStore(config.imageDir());
        NodeContext node = new NodeContext(config.nodeName(), config.qemuBinary(), check.accel(), images,
                new QemuLauncher(Duration.ofSeconds(60)), qmp, events, check.cpu(), config.cgroupParent(),
                check.cpuUnplugSafe(), check.migrateAfterCpuUnplugSafe(), config.consoleMaxBytes(), config.virtioMemBlockBytes(),
                network, Clock.systemUTC());
        registry = new VmRegistry(node, store, new InterruptedArrival(events));
        registry.recover();
        if (network != null) {
            var cleaned = network.cleanup(registry.names());
            if (!cleaned.deletedTaps().isEmpty() || !cleaned.releasedVms().isEmpty()) {
                LOG.info("network cleanup: removed taps {} and addresses of {}", cleaned.deletedTaps(), cleaned.releasedVms());
            }
        }
        ClusterSecret secret = null;
        RelayOptions relayOptions = migration == null ? RelayOptions.DEFAULTS : migration.relayOptions();
        if (migration != null) {
            secret = ClusterSecret.load(migration.clusterSecret());
            try {
                migrationListener = MigrationListener.start(migration.listen(), secret, relayOptions);
            } catch (java.net.BindException e) {
                // Otherwise the daemon's start fails with the bare "Address already in use".
                throw new java.net.BindException("live migration listener " + migration.listen().getHostString() + ":"
                        + migration.listen().getPort() + ": " + e.getMessage() + " (--migration-listen)");
            }
            migrationListener.admitOnly(clusterNetwork.migrationPeers());
            incoming = new IncomingMigrations(node, store, registry, migrationListener, migration.incomingTtl());
            migrationListener.onControl(ControlChannel.serving(incoming));
            LOG.info("live migration: listening on {}, {}", migrationListener.address(), migration.encryption()
                    ? "encrypted (AES-256-GCM; sources that send in clear are refused)"
                    : "encryption OFF (--migration-encryption off: this daemon sends in clear and accepts sources that do)");
        }
        outgoing = new OutgoingMigrations(node, registry, secret, relayOptions,
                new MigrationHistory(config.stateDir().resolve("migrations.json")));
        service = new VmService(registry, images, Clock.systemUTC(), outgoing::movedAway);
        admission.recovered(registry.list());
        service.admission(admission);
        AdminRoutes adminRoutes = new AdminRoutes(service, events, this::nodeInfo);
        adminRoutes.specAuthority(specAuthority);
        List<Route> routes = new ArrayList<>(adminRoutes.routes());
        routes.addAll(new GuestRoutes(service).routes());
        autoscalingRoutes = new AutoscalingRoutes(service);
        routes.addAll(autoscalingRoutes.routes());
        routes.addAll(new ProfileRoutes().routes());
        routes.addAll(new MigrationRoutes(service, outgoing, clusterNetwork::resolveTarget).specAuthority(specAuthority).routes());
        server = new AdminServer(config.socket(), config.socketMode(), config.adminGroup(),
                new PeerAuthorizer(adminGid(config.adminGroup())), routes);
        server.start();
        events.publish(VmEvent.normal(null, "DaemonStarted", "vmmd on node " + config.nodeName() + " serving "
                + config.socket() + " with " + registry.size() + " VM(s)"));
    }

    private NodeInfo nodeInfo() {
        NodeInfo i = nodeInfo;
        return new NodeInfo(i.name(), i.kvm(), i.hardwareVirtualization(), i.accel(), i.accelReason(), i.cgroup(),
                i.tun(), i.qemu(), registry.size());
    }

    private static OptionalInt adminGid(String group) throws IOException {
        if (group == null) {
            return OptionalInt.empty();
        }
        GroupPrincipal g;
        try {
            g = java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        } catch (IOException e) {
            throw new IOException("admin group \"" + group + "\" does not exist", e);
        }
        // The JDK exposes a group's number only through a file's attributes; its principal's
        // toString is the name. /etc/group is the authority here.
        for (String line : Files.readAllLines(java.nio.file.Path.of("/etc/group"))) {
            String[] f = line.split(":");
            if (f.length >= 3 && f[0].equals(g.getName())) {
                return OptionalInt.of(Integer.parseInt(f[2]));
            }
        }
        throw new IOException("admin group \"" + group + "\" not in /etc/group");
    }

    /**
     * From now on, a new VM is created only when {@code check} admits it ({@code vmflex up} asks its
     * scheduler); deletes are reported to it.
     */
    public void admission(Admission check) {
        service.admission(check);
    }

    /** From now on, the admin API shows what {@code source} (the agent in the same process) thinks of each VM. */
    public void autoscaling(AutoscalingSource source) {
        autoscalingRoutes.source(source);
    }

    /**
     * Registers vmmd's metrics (VMs by phase, resources, events, guest channels, API streams, the migration port);
     * close the handle to stop.
     */
    public AutoCloseable exportMetrics(io.prometheus.metrics.model.registry.PrometheusRegistry metrics) {
        MigrationListener listener = migrationListener;
        if (listener != null) {
            io.vmflex.vmm.metrics.DaemonMetrics.registerMigrationPort(metrics, migration.encryption(), listener::refusedConnections);
        }
        return io.vmflex.vmm.metrics.DaemonMetrics.register(metrics, registry, events, server.streams());
    }

    /** The VM operations without the admin API's HTTP (and without its {@link SpecAuthority}): the node controller's way in. */
    public VmService vms() {
        return service;
    }

    /** This node's outgoing live migrations, as {@code POST /v1/vms/{name}/migrate} starts them: Kubernetes mode's VirtualMachineMigrations go through here. */
    public OutgoingMigrations migrations() {
        return outgoing;
    }

    /** The node's event stream: components in the same process (the agent in {@code vmflex up}) publish here. */
    public EventBus events() {
        return events;
    }

    public VmmdConfig config() {
        return config;
    }

    /** Stops serving and lets go of every VM; QEMU processes keep running. */
    @Override
    public void close() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (clusterNetwork != null) {
            clusterNetwork.close();
            clusterNetwork = null;
        }
        if (migrationListener != null) {
            migrationListener.close();
            migrationListener = null;
        }
        if (incoming != null) {
            incoming.close();
            incoming = null;
        }
        if (registry != null) {
            registry.detachAll();
            registry = null;
        }
        if (qmp != null) {
            qmp.close();
            qmp = null;
        }
        if (netlink != null) {
            try {
                netlink.close();
            } catch (IOException e) {
                LOG.warn("closing the netlink socket failed: {}", e.toString());
            }
            netlink = null;
        }
        LOG.info("vmmd stopped; VMs left running");
    }
}
