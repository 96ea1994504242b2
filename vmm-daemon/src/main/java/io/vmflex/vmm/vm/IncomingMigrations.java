package io.vmflex.vmm.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.Expectation;
import io.vmflex.migration.LocalEndpoint;
import io.vmflex.migration.MigrationControl;
import io.vmflex.migration.MigrationListener;
import io.vmflex.netbridge.VmNic;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.qemu.QemuCommandLine;
import io.vmflex.vmm.qemu.QemuProcess;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.store.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The target side of live migration: answers the source daemon's control requests.
 * {@code prepare} starts a paused QEMU waiting on {@code <vmdir>/incoming.sock} and tells the
 * listener to expect the migration; {@code commit} resumes it and hands it to a new
 * {@link VmSupervisor} through the re-adoption path; {@code abort} kills it and forgets it.
 *
 * <p>Thread-safe: each request runs on its control connection's thread; a migration id is owned by
 * whoever removes it from {@code pending} first.
 */
public final class IncomingMigrations implements MigrationControl.Handler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IncomingMigrations.class);
    private static final ObjectMapper JSON = ApiMapper.json();
    private static final Duration TTL = Duration.ofMinutes(30);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);

    private record Pending(String name, VirtualMachine vm, VmPaths paths, QemuRuntime runtime, QemuProcess process,
                           QmpSession qmp, Expectation expectation, VmNic nic) {
    }

    private final NodeContext node;
    private final StateStore store;
    private final VmRegistry registry;
    private final MigrationListener listener;
    private final ConcurrentHashMap<UUID, Pending> pending = new ConcurrentHashMap<>();

    public IncomingMigrations(NodeContext node, StateStore store, VmRegistry registry, MigrationListener listener) {
        this.node = node;
        this.store = store;
        this.registry = registry;
        this.listener = listener;
    }

    @Override
    public String handle(String request) throws Exception {
        JsonNode r = JSON.readTree(request);
        UUID id = UUID.fromString(r.path("migrationId").asText());
        switch (r.path("op").asText()) {
            case "prepare" -> prepare(id, r);
            case "commit" -> commit(id);
            case "abort" -> abort(id, "the source aborted");
            default -> throw new IllegalArgumentException("unknown op \"" + r.path("op").asText() + "\"");
        }
        return "{\"ok\":true}";
    }

    private synchronized void prepare(UUID id, JsonNode r) throws Exception {
        VirtualMachine vm = JSON.treeToValue(r.get("vm"), VirtualMachine.class);
        String name = vm.metadata().name();
        if (registry.get(name).isPresent() || pending.values().stream().anyMatch(p -> p.name().equals(name))) {
            throw new IllegalStateException("a VM named \"" + name + "\" exists on node " + node.nodeName());
        }
        List<QemuCommandLine.Incoming.Cpu> cpus = new ArrayList<>();
        for (JsonNode c : r.path("pluggedCpus")) {
            cpus.add(new QemuCommandLine.Incoming.Cpu(c.path("type").asText(), c.path("id").asText(),
                    c.path("socketId").asInt(), c.path("coreId").asInt(), c.path("threadId").asInt()));
        }
        var incoming = new QemuCommandLine.Incoming(cpus, r.path("virtioMemRequestedBytes").asLong());
        // Leftovers of an earlier incoming attempt for this name: no supervisor owns them.
        store.deleteVm(name);
        VmPaths paths = store.paths(name);
        Files.createDirectories(paths.dir());
        VmNic nic = null;
        QemuProcess process = null;
        QmpSession qmp = null;
        try {
            nic = node.network() == null ? null : node.network().attach(name, keptAddress(name, r));
            var config = QemuConfigs.of(node, paths, vm, SpecView.of(vm), nic);
            QemuRuntime rt = node.launcher().launch(config, incoming).withCpuPlugs(cpus.size());
            process = QemuProcess.adopt(rt);
            if (process == null) {
                throw new IllegalStateException("target QEMU exited right after starting");
            }
            qmp = node.qmp().connect(paths.qmpSocket(), (e, d) -> { }, () -> { });
            Path sock = paths.dir().resolve("incoming.sock");
            ObjectNode args = JSON.createObjectNode();
            args.put("uri", "unix:" + sock);
            int multifd = r.path("multifdChannels").asInt(1);
            QmpOps ops = new QmpOps(qmp, QMP_TIMEOUT);
            MigrationTuning.applyTarget(ops, multifd);
            ops.call("migrate-incoming", args);
            Expectation e = listener.expect(id, MigrationTuning.connections(multifd), TTL, LocalEndpoint.unix(sock));
            pending.put(id, new Pending(name, vm, paths, rt, process, qmp, e, nic));
            node.events().publish(VmEvent.normal(name, "IncomingMigration", "QEMU pid " + rt.pid()
                    + " waits for migration " + id));
            Thread.ofVirtual().start(() -> expireLater(id));
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
            store.deleteVm(name);
            throw e;
        }
    }

    /** The source's address of the VM, which it keeps here; null if the source sent none. */
    private static java.net.Inet4Address keptAddress(String name, JsonNode r) {
        String mac = r.path("mac").asText("");
        if (!mac.isEmpty() && !mac.equals(io.vmflex.sys.netlink.MacAddress.format(io.vmflex.netbridge.VmMac.of(name)))) {
            throw new IllegalStateException("VM \"" + name + "\" has MAC " + mac + " on the source but would get "
                    + io.vmflex.sys.netlink.MacAddress.format(io.vmflex.netbridge.VmMac.of(name)) + " here");
        }
        String ip = r.path("ip").asText("");
        return ip.isEmpty() ? null : io.vmflex.netbridge.Ipv4Cidr.parseAddress(ip);
    }

    private void expireLater(UUID id) {
        try {
            Thread.sleep(TTL.toMillis());
            abort(id, "nobody committed it within " + TTL.toMinutes() + " min");
        } catch (InterruptedException ignored) {
            // daemon shutdown
        } catch (Exception e) {
            LOG.warn("expiring incoming migration {}: {}", id, e.toString());
        }
    }

    private void commit(UUID id) throws Exception {
        Pending p = pending.remove(id);
        if (p == null) {
            throw new IllegalStateException("no prepared migration " + id);
        }
        try {
            QmpOps ops = new QmpOps(p.qmp(), QMP_TIMEOUT);
            // The source saw "completed" when it sent the last byte; the target may still be loading it.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String s = ops.call("query-migrate", null).path("status").asText();
            while (!s.equals("completed")) {
                if (s.equals("failed") || System.nanoTime() > deadline) {
                    throw new IllegalStateException("incoming migration is " + s);
                }
                Thread.sleep(50);
                s = ops.call("query-migrate", null).path("status").asText();
            }
            ops.call("cont", null);
            if (p.nic() != null) {
                ObjectNode a = JSON.createObjectNode();
                a.put("initial", 50).put("max", 550).put("rounds", 5).put("step", 100);
                ops.call("announce-self", a);
            }
        } catch (Exception e) {
            discard(p, "commit failed: " + e.getMessage());
            throw e;
        }
        p.qmp().close();
        p.process().close();
        p.expectation().close();
        store.saveVm(p.vm());
        store.saveRuntime(p.name(), p.runtime());
        registry.adopt(p.name(), () -> VmSupervisor.recover(node, store, p.vm(), p.runtime()));
        node.events().publish(VmEvent.normal(p.name(), "MigratedIn", "now runs here (QEMU pid " + p.runtime().pid() + ")"));
    }

    private void abort(UUID id, String why) throws Exception {
        Pending p = pending.remove(id);
        if (p != null) {
            discard(p, why);
        }
    }

    private void discard(Pending p, String why) throws Exception {
        p.qmp().close();
        p.process().kill();
        p.process().awaitExit(2000);
        p.process().close();
        p.expectation().close();
        if (p.nic() != null) {
            node.network().detach(p.name());
        }
        store.deleteVm(p.name());
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
