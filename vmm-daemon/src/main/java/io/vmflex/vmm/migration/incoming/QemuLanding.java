package io.vmflex.vmm.migration.incoming;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.ControlRequest;
import io.vmflex.migration.Expectation;
import io.vmflex.migration.LocalEndpoint;
import io.vmflex.migration.MigrationListener;
import io.vmflex.netbridge.Ipv4Cidr;
import io.vmflex.netbridge.VmMac;
import io.vmflex.netbridge.VmNic;
import io.vmflex.sys.netlink.MacAddress;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.migration.qemu.DiskMirror;
import io.vmflex.vmm.migration.qemu.IncomingLoad;
import io.vmflex.vmm.migration.qemu.MigrationTuning;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuCommandLine;
import io.vmflex.vmm.qemu.QemuProcess;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.QmpSession;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.qemu.SshKeyPair;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.store.AtomicFiles;
import io.vmflex.vmm.store.StateStore;
import io.vmflex.vmm.supervisor.QemuConfigs;
import io.vmflex.vmm.supervisor.VmRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The daemon's {@link Landing}: a paused QEMU with the source's devices on {@code -incoming defer},
 * in the VM's folder, with the VM's address kept, the root disk exported over NBD when the source
 * mirrors it, and the listener told to expect the migration's channels.
 *
 * <p>Thread-safe: {@link IncomingMigrations} serialises prepares; each copy is used under its
 * migration's lock.
 */
final class QemuLanding implements Landing {
    private static final Logger LOG = LoggerFactory.getLogger(QemuLanding.class);
    private static final ObjectMapper JSON = ApiMapper.json();
    static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);

    private final NodeContext node;
    private final StateStore store;
    private final VmRegistry registry;
    private final MigrationListener listener;

    QemuLanding(NodeContext node, StateStore store, VmRegistry registry, MigrationListener listener) {
        this.node = node;
        this.store = store;
        this.registry = registry;
        this.listener = listener;
    }

    /**
     * A VM dir with {@code incoming.json} ({@link VmPaths#incomingMarker()}) is a prepare that was
     * never committed by a daemon that died: its QEMU (if still there, paused) is killed, the dir
     * removed. The marker holds the QEMU's pid and start time, so a reused pid is never killed.
     */
    @Override
    public void removeLeftovers() {
        Path vms = store.paths("x").dir().getParent();
        try (var dirs = Files.newDirectoryStream(vms, Files::isDirectory)) {
            for (Path dir : dirs) {
                VmPaths p = new VmPaths(dir);
                Path marker = p.incomingMarker();
                if (!Files.exists(marker)) {
                    continue;
                }
                String name = dir.getFileName().toString();
                String what = "no QEMU left";
                try {
                    QemuRuntime rt = JSON.readValue(marker.toFile(), QemuRuntime.class);
                    QemuProcess q = QemuProcess.adopt(rt);
                    if (q != null) {
                        q.kill();
                        q.awaitExit(2000);
                        q.close();
                        what = "killed its paused QEMU pid " + rt.pid();
                    }
                } catch (IOException | RuntimeException e) {
                    what = "marker unreadable (" + e.getMessage() + ")";
                }
                dropFolder(name);
                LOG.warn("vm={} removed an uncommitted incoming migration left by an earlier daemon: {}", name, what);
                node.events().publish(VmEvent.warning(name, "IncomingMigrationAborted",
                        "left uncommitted by an earlier daemon: " + what));
            }
        } catch (IOException e) {
            LOG.warn("scanning {} for leftover incoming migrations: {}", vms, e.toString());
        }
    }

    /**
     * VM names are unique in a cluster, so a VM of that name here is the one that was committed: in
     * the registry, or on disk as a committed copy (vm.json without the incoming marker, also where
     * its supervisor failed to start), or past its commit point waiting for a restarted daemon.
     */
    @Override
    public boolean runsHere(String vm) {
        if (registry.get(vm).isPresent()) {
            return true;
        }
        VmPaths p = store.paths(vm);
        return Files.exists(p.resumeMarker()) || (Files.exists(p.spec()) && !Files.exists(p.incomingMarker()));
    }

    @Override
    public PreparedCopy prepare(UUID id, VirtualMachine vm, ControlRequest.Prepare r, Duration ttl) throws Exception {
        String name = vm.metadata().name();
        if (registry.get(name).isPresent()) {
            throw existsHere(name);
        }
        Inet4Address keptIp = keptAddress(name, r);
        List<QemuCommandLine.Incoming.Cpu> cpus = r.pluggedCpus().stream()
                .map(c -> new QemuCommandLine.Incoming.Cpu(c.type(), c.id(), c.socketId(), c.coreId(), c.threadId()))
                .toList();
        var incoming = new QemuCommandLine.Incoming(cpus, r.virtioMemRequestedBytes());
        // From here until commit or abort, the API cannot create a VM of this name (its folder is QEMU's).
        if (!registry.expectArrival(name, id)) {
            throw existsHere(name);
        }
        VmPaths paths = store.paths(name);
        VmNic nic = null;
        QemuProcess process = null;
        QmpSession qmp = null;
        Expectation expectation = null;
        try {
            // Leftovers of an earlier incoming attempt for this name: no supervisor owns them.
            store.deleteVm(name);
            Files.createDirectories(paths.dir());
            if (r.sshKey() != null) {
                SshKeyPair.adopt(paths, r.sshKey().publicLine(), r.sshKey().privateKey());
            }
            nic = node.network() == null ? null : node.network().attach(name, keptIp);
            // Data disks are made empty: the source's mirror fills them.
            var config = QemuConfigs.ofIncoming(node, paths, vm, SpecView.of(vm), nic);
            QemuRuntime rt = node.launcher().launch(config, incoming).withCpuPlugs(cpus.size());
            process = QemuProcess.adopt(rt);
            if (process == null) {
                throw new IllegalStateException("target QEMU exited right after starting");
            }
            AtomicFiles.write(paths.incomingMarker(), JSON.writeValueAsBytes(rt));
            // Written now, not at the commit: once the guest runs here nothing may fail the commit
            // (the source would resume its copy too), and these writes can (a full disk).
            store.saveRuntime(name, rt);
            store.saveVm(vm);
            IncomingLoad load = new IncomingLoad();
            qmp = node.qmp().connect(paths.qmpSocket(), load::onEvent, () -> { });
            Path sock = paths.dir().resolve("incoming.sock");
            ObjectNode args = JSON.createObjectNode();
            args.put("uri", "unix:" + sock);
            int connections = MigrationTuning.connections(r.multifdChannels());
            QmpOps ops = new QmpOps(qmp, QMP_TIMEOUT);
            LocalEndpoint qemuStream = LocalEndpoint.unix(sock);
            LocalEndpoint endpoint = qemuStream;
            int diskChannels = 0;
            if (r.disk()) {
                // One channel more per disk, after QEMU's: the source's NBD clients, to the disks' exports.
                Path nbd = paths.dir().resolve("nbd.sock");
                List<String> disks = DiskMirror.disks(ops);
                DiskMirror.export(ops, nbd, disks);
                diskChannels = disks.size();
                LocalEndpoint nbdExport = LocalEndpoint.unix(nbd);
                endpoint = channel -> channel < connections ? qemuStream.open(channel) : nbdExport.open(channel);
            }
            MigrationTuning.applyTarget(ops, r.multifdChannels());
            ops.call("migrate-incoming", args);
            // A cut link sends no reset: without keep-alive this paused QEMU would wait for the TTL.
            Duration deadPeer = Duration.ofSeconds(Math.max(3, r.progressTimeoutSeconds()));
            expectation = listener.expect(id, connections + diskChannels, ttl, endpoint, deadPeer);
            node.events().publish(VmEvent.normal(name, "IncomingMigration", "QEMU pid " + rt.pid()
                    + " waits for migration " + id));
            return new QemuCopy(id, name, vm, paths, rt, process, qmp, load, expectation, nic, r.disk(), node, store,
                    registry);
        } catch (Exception e) {
            new QemuCopy(id, name, vm, paths, null, process, qmp, null, expectation, nic, r.disk(), node, store, registry)
                    .removeAll();
            throw e;
        }
    }

    private IllegalStateException existsHere(String name) {
        return new IllegalStateException("a VM named \"" + name + "\" exists on node " + node.nodeName());
    }

    /** The source's address of the VM, which it keeps here; null if the source sent none. */
    private static Inet4Address keptAddress(String name, ControlRequest.Prepare r) {
        if (r.mac() != null && !r.mac().equals(MacAddress.format(VmMac.of(name)))) {
            throw new IllegalStateException("VM \"" + name + "\" has MAC " + r.mac() + " on the source but would get "
                    + MacAddress.format(VmMac.of(name)) + " here");
        }
        return r.ip() == null ? null : Ipv4Cidr.parseAddress(r.ip());
    }

    private void dropFolder(String name) {
        try {
            store.deleteVm(name);
        } catch (IOException e) {
            LOG.warn("vm={} could not remove the incoming copy's folder: {}", name, e.toString());
        }
    }
}
