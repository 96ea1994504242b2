package io.vmflex.vmm.migration.incoming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.Expectation;
import io.vmflex.migration.LocalEndpoint;
import io.vmflex.migration.MigrationControl;
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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The target side of live migration: answers the source daemon's control requests.
 * {@code prepare} starts a paused QEMU waiting on {@code <vmdir>/incoming.sock} and tells the
 * listener to expect the migration; {@code commit} resumes it and hands it to a new supervisor
 * through the re-adoption path ({@link VmRegistry#adopt}); {@code abort} kills it and forgets it;
 * {@code query} says whether this node runs the VM (committed), still holds it paused (pending) or
 * neither (absent), for a source that lost the answer to its commit.
 *
 * <p>An uncommitted incoming QEMU never outlives its purpose: a watchdog drops it when its QEMU
 * exits, when its stream broke, or after the TTL; a newer {@code prepare} for the same VM
 * supersedes it (its source gave up, perhaps across a cut link); and a daemon that starts finds
 * the ones a previous daemon left behind ({@code incoming.json} without {@code vm.json}) and kills
 * them.
 *
 * <p>Thread-safe: each request runs on its control connection's thread; a migration id is owned by
 * whoever removes it from {@code pending} first.
 */
public final class IncomingMigrations implements MigrationControl.Handler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IncomingMigrations.class);
    private static final ObjectMapper JSON = ApiMapper.json();
    /** How long a prepared migration may wait for its commit: long enough for a 100 GiB guest at 10 Gbit/s. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    private static final Duration WATCH = Duration.ofSeconds(1);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);

    /** @param disk the source mirrors its root disk into this QEMU's NBD export, stopped at commit */
    private record Pending(UUID id, String name, VirtualMachine vm, VmPaths paths, QemuRuntime runtime, QemuProcess process,
                           QmpSession qmp, IncomingLoad load, Expectation expectation, VmNic nic, boolean disk) {
    }

    private final NodeContext node;
    private final StateStore store;
    private final VmRegistry registry;
    private final MigrationListener listener;
    private final ConcurrentHashMap<UUID, Pending> pending = new ConcurrentHashMap<>();
    private final Set<UUID> committing = ConcurrentHashMap.newKeySet();
    private final Duration ttl;

    public IncomingMigrations(NodeContext node, StateStore store, VmRegistry registry, MigrationListener listener) {
        this(node, store, registry, listener, DEFAULT_TTL);
    }

    /**
     * Removes what an earlier daemon left of uncommitted incoming migrations before serving any.
     *
     * @param ttl how long a prepared migration waits for its commit before it is dropped
     */
    public IncomingMigrations(NodeContext node, StateStore store, VmRegistry registry, MigrationListener listener,
            Duration ttl) {
        this.node = node;
        this.store = store;
        this.registry = registry;
        this.listener = listener;
        this.ttl = ttl;
        removeLeftovers();
    }

    /**
     * A VM dir with {@code incoming.json} ({@link VmPaths#incomingMarker()}) is a prepare that was
     * never committed by a daemon that died: its QEMU (if still there, paused) is killed, the dir
     * removed. The marker holds the QEMU's pid and start time, so a reused pid is never killed.
     */
    private void removeLeftovers() {
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
                store.deleteVm(name);
                LOG.warn("vm={} removed an uncommitted incoming migration left by an earlier daemon: {}", name, what);
                node.events().publish(VmEvent.warning(name, "IncomingMigrationAborted",
                        "left uncommitted by an earlier daemon: " + what));
            }
        } catch (IOException e) {
            LOG.warn("scanning {} for leftover incoming migrations: {}", vms, e.toString());
        }
    }

    @Override
    public String handle(String request) throws Exception {
        JsonNode r = JSON.readTree(request);
        UUID id = UUID.fromString(r.path("migrationId").asText());
        switch (r.path("op").asText()) {
            case "prepare" -> prepare(id, r);
            case "commit" -> {
                return "{\"ok\":true,\"resumedInMicros\":" + commit(id) + "}";
            }
            case "abort" -> abort(id, "the source aborted");
            case "query" -> {
                return "{\"ok\":true,\"state\":\"" + query(id, r.path("vm").asText()) + "\"}";
            }
            default -> throw new IllegalArgumentException("unknown op \"" + r.path("op").asText() + "\"");
        }
        return "{\"ok\":true}";
    }

    /** VM names are unique in a cluster, so a VM of that name here is the one that was committed. */
    private String query(UUID id, String vm) {
        if (committing.contains(id)) {
            throw new IllegalStateException("migration " + id + " is being committed; ask again");
        }
        if (pending.containsKey(id)) {
            return "pending";
        }
        // A committed copy is on disk (vm.json, no incoming marker) even where its supervisor failed to start.
        VmPaths p = store.paths(vm);
        boolean onDisk = Files.exists(p.spec()) && !Files.exists(p.incomingMarker());
        return registry.get(vm).isPresent() || onDisk ? "committed" : "absent";
    }

    private synchronized void prepare(UUID id, JsonNode r) throws Exception {
        VirtualMachine vm = JSON.treeToValue(r.get("vm"), VirtualMachine.class);
        String name = vm.metadata().name();
        if (registry.get(name).isPresent()) {
            throw existsHere(name);
        }
        // An uncommitted copy of the same VM: its source has moved on (one migration per VM at a
        // time), perhaps unable to tell us across a cut link.
        for (var e : List.copyOf(pending.entrySet())) {
            if (e.getValue().name().equals(name)) {
                abort(e.getKey(), "superseded by migration " + id);
            }
        }
        List<QemuCommandLine.Incoming.Cpu> cpus = new ArrayList<>();
        for (JsonNode c : r.path("pluggedCpus")) {
            cpus.add(new QemuCommandLine.Incoming.Cpu(c.path("type").asText(), c.path("id").asText(),
                    c.path("socketId").asInt(), c.path("coreId").asInt(), c.path("threadId").asInt()));
        }
        var incoming = new QemuCommandLine.Incoming(cpus, r.path("virtioMemRequestedBytes").asLong());
        // From here until commit or abort, the API cannot create a VM of this name (its folder is QEMU's).
        if (!registry.expectArrival(name, id)) {
            throw existsHere(name);
        }
        VmPaths paths = store.paths(name);
        VmNic nic = null;
        QemuProcess process = null;
        QmpSession qmp = null;
        try {
            // Leftovers of an earlier incoming attempt for this name: no supervisor owns them.
            store.deleteVm(name);
            Files.createDirectories(paths.dir());
            nic = node.network() == null ? null : node.network().attach(name, keptAddress(name, r));
            var config = QemuConfigs.of(node, paths, vm, SpecView.of(vm), nic);
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
            int multifd = r.path("multifdChannels").asInt(1);
            int connections = MigrationTuning.connections(multifd);
            boolean disk = r.path("disk").asBoolean(false);
            QmpOps ops = new QmpOps(qmp, QMP_TIMEOUT);
            LocalEndpoint qemuStream = LocalEndpoint.unix(sock);
            LocalEndpoint endpoint = qemuStream;
            if (disk) {
                // One channel more, after QEMU's: the source's NBD client, to the root disk's export.
                Path nbd = paths.dir().resolve("nbd.sock");
                DiskMirror.export(ops, nbd);
                LocalEndpoint nbdExport = LocalEndpoint.unix(nbd);
                endpoint = channel -> channel < connections ? qemuStream.open(channel) : nbdExport.open(channel);
            }
            MigrationTuning.applyTarget(ops, multifd);
            ops.call("migrate-incoming", args);
            // A cut link sends no reset: without keep-alive this paused QEMU would wait for the TTL.
            Duration deadPeer = Duration.ofSeconds(Math.max(3, r.path("progressTimeoutSeconds").asLong(30)));
            Expectation e = listener.expect(id, connections + (disk ? 1 : 0), ttl, endpoint, deadPeer);
            pending.put(id, new Pending(id, name, vm, paths, rt, process, qmp, load, e, nic, disk));
            node.events().publish(VmEvent.normal(name, "IncomingMigration", "QEMU pid " + rt.pid()
                    + " waits for migration " + id));
            long deadline = System.nanoTime() + ttl.toNanos();
            Thread.ofVirtual().name("incoming-watch-" + id.toString().substring(0, 8)).start(() -> watch(id, deadline));
        } catch (Exception e) {
            if (qmp != null) {
                qmp.close();
            }
            if (process != null) {
                process.kill();
                process.awaitExit(2000);
                process.close();
            }
            if (nic != null) {
                node.network().detach(name);
            }
            dropFolder(name);
            registry.arrivalCancelled(name, id);
            throw e;
        }
    }

    /**
     * Removes an incoming copy's folder. vm.json goes first (the walk deletes in reverse name order),
     * so a removal that fails midway leaves nothing a restarted daemon would take for a VM; what is
     * left keeps its incoming marker and goes at the next start or the next prepare of that VM.
     */
    private void dropFolder(String name) {
        try {
            store.deleteVm(name);
        } catch (IOException e) {
            LOG.warn("vm={} could not remove the incoming copy's folder: {}", name, e.toString());
        }
    }

    private IllegalStateException existsHere(String name) {
        return new IllegalStateException("a VM named \"" + name + "\" exists on node " + node.nodeName());
    }

    /** The source's address of the VM, which it keeps here; null if the source sent none. */
    private static Inet4Address keptAddress(String name, JsonNode r) {
        String mac = r.path("mac").asText("");
        if (!mac.isEmpty() && !mac.equals(MacAddress.format(VmMac.of(name)))) {
            throw new IllegalStateException("VM \"" + name + "\" has MAC " + mac + " on the source but would get "
                    + MacAddress.format(VmMac.of(name)) + " here");
        }
        String ip = r.path("ip").asText("");
        return ip.isEmpty() ? null : Ipv4Cidr.parseAddress(ip);
    }

    /** Drops a pending migration whose QEMU died, whose stream broke, or whose TTL passed. */
    private void watch(UUID id, long deadline) {
        try {
            while (true) {
                Thread.sleep(WATCH.toMillis());
                Pending p = pending.get(id);
                if (p == null) {
                    return;
                }
                String why = null;
                if (p.process().exited()) {
                    why = "the incoming QEMU exited";
                } else if (p.expectation().completion().isCompletedExceptionally()) {
                    why = "the migration stream broke";
                } else if (System.nanoTime() > deadline) {
                    why = "nobody committed it within " + ttl.toSeconds() + " s";
                }
                if (why != null) {
                    abort(id, why);
                    return;
                }
            }
        } catch (InterruptedException ignored) {
            // daemon shutdown
        } catch (Exception e) {
            LOG.warn("watching incoming migration {}: {}", id, e.toString());
        }
    }

    /** @return microseconds from the commit request to QEMU's {@code cont} answer: the target's part of the guest's pause */
    private long commit(UUID id) throws Exception {
        committing.add(id);
        try {
            return commitOwned(id);
        } finally {
            committing.remove(id);
        }
    }

    // Pending -- load completed --> commit point (incoming.json renamed resume.json) -- cont --> runs here
    //                                                                              -- failure --> dropped
    private long commitOwned(UUID id) throws Exception {
        long t0 = System.nanoTime();
        Pending p = pending.remove(id);
        if (p == null) {
            throw new IllegalStateException("no prepared migration " + id);
        }
        QmpOps ops = new QmpOps(p.qmp(), QMP_TIMEOUT);
        long resumedIn;
        try {
            // The source's disk writes ended before its final pass, so the export can go while the
            // last of the stream still loads (the source saw "completed" at its last byte sent).
            if (p.disk()) {
                DiskMirror.stopExport(ops);
            }
            p.load().awaitCompleted(ops, Duration.ofSeconds(30));
            // The commit point: a daemon that dies after this rename resumes this QEMU when it
            // comes back (and tells a source that asks "committed"); before it, it drops it.
            Files.move(p.paths().incomingMarker(), p.paths().resumeMarker(), StandardCopyOption.ATOMIC_MOVE);
            ops.call("cont", null);
            resumedIn = (System.nanoTime() - t0) / 1000;
        } catch (Exception e) {
            discard(p, "commit failed: " + e.getMessage());
            throw e;
        }
        arrived(p, ops);
        return resumedIn;
    }

    /**
     * The guest runs here: from now on nothing fails the commit, since the source would resume its
     * own copy on a refusal. What goes wrong is logged and, where it matters, left for the next
     * daemon (which adopts the VM from its folder and resumes it if the resume marker is still there).
     */
    private void arrived(Pending p, QmpOps ops) {
        if (p.nic() != null) {
            try {
                ops.announceSelf();
            } catch (QmpOps.QmpFailure e) {
                LOG.warn("vm={} announce after the migration failed: {}; the network learns its place from its own traffic",
                        p.name(), e.getMessage());
            }
        }
        try {
            AtomicFiles.delete(p.paths().resumeMarker());
        } catch (IOException e) {
            LOG.warn("vm={} resume marker not removed: {} (harmless: the next daemon finds the VM running)", p.name(), e.toString());
        }
        p.qmp().close();
        p.process().close();
        p.expectation().close();
        try {
            registry.adopt(p.vm(), p.runtime());
        } catch (IOException | RuntimeException e) {
            LOG.error("vm={} runs here (QEMU pid {}) but could not be taken into supervision", p.name(), p.runtime().pid(), e);
            node.events().publish(VmEvent.warning(p.name(), "MigratedInUnsupervised", "the VM runs here (QEMU pid "
                    + p.runtime().pid() + ") but its supervisor failed: " + e.getMessage() + "; restart vmmd to adopt it"));
            return;
        }
        node.events().publish(VmEvent.normal(p.name(), "MigratedIn", "now runs here (QEMU pid " + p.runtime().pid() + ")"));
    }

    /**
     * Synchronized with {@link #prepare}: dropping a copy removes the VM's folder and tap by name,
     * which must not happen to a newer prepare of the same VM (a source retrying after a cut link)
     * while the watch thread still drops the old one.
     */
    private synchronized void abort(UUID id, String why) throws Exception {
        Pending p = pending.remove(id);
        if (p != null) {
            discard(p, why);
        }
    }

    private void discard(Pending p, String why) throws Exception {
        LOG.warn("vm={} dropping incoming migration: {}", p.name(), why);
        p.qmp().close();
        p.process().kill();
        p.process().awaitExit(2000);
        p.process().close();
        p.expectation().close();
        if (p.nic() != null) {
            node.network().detach(p.name());
        }
        dropFolder(p.name());
        registry.arrivalCancelled(p.name(), p.id());
        node.events().publish(VmEvent.warning(p.name(), "IncomingMigrationAborted", why));
    }

    /** Daemon shutdown: a half-migrated VM must not outlive the daemon that would never commit it. */
    @Override
    public void close() {
        for (UUID id : List.copyOf(pending.keySet())) {
            try {
                abort(id, "daemon stopping");
            } catch (Exception e) {
                LOG.warn("aborting incoming migration {}: {}", id, e.toString());
            }
        }
    }
}
