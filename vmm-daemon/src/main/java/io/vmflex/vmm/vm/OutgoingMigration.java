package io.vmflex.vmm.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.MigrationControl;
import io.vmflex.migration.MigrationSource;
import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.qemu.VmPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The source side of one live migration, run by the VM's supervisor on its own thread (so no
 * reconcile step runs meanwhile): snapshot the hot-plugged vCPUs and virtio-mem size, {@code prepare}
 * the target daemon, relay QEMU's migration stream through {@link MigrationSource}, poll
 * {@code query-migrate}, then {@code commit} (the target runs the VM) or undo everything so the VM
 * keeps running here.
 *
 * <p>Not thread-safe: one instance, one run, on the supervisor's thread.
 */
public final class OutgoingMigration {
    private static final Logger LOG = LoggerFactory.getLogger(OutgoingMigration.class);
    private static final ObjectMapper JSON = ApiMapper.json();
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(100);

    /**
     * What the operator asked for.
     *
     * @param multifdChannels 1 for a plain single-stream migration, N &ge; 2 for multifd with N channels
     */
    public record Request(UUID id, InetSocketAddress target, long downtimeLimitMs, long maxBandwidthMbps,
                          int multifdChannels) {
        public Request {
            MigrationTuning.checkChannels(multifdChannels);
        }

        public Request(UUID id, InetSocketAddress target, long downtimeLimitMs, long maxBandwidthMbps) {
            this(id, target, downtimeLimitMs, maxBandwidthMbps, 1);
        }
    }

    private final Request request;
    private final ClusterSecret secret;
    private final NodeContext node;
    private final Consumer<MigrationStatus> publish;
    private final Clock clock;
    private MigrationStatus status;

    OutgoingMigration(Request request, ClusterSecret secret, NodeContext node, MigrationStatus initial,
            Consumer<MigrationStatus> publish) {
        this.request = request;
        this.secret = secret;
        this.node = node;
        this.status = initial;
        this.publish = publish;
        this.clock = node.clock();
    }

    private void update(MigrationStatus s) {
        status = s;
        publish.accept(s);
    }

    /** @return true when the target owns the running VM and the source QEMU may be stopped */
    boolean run(String name, VirtualMachine vm, SpecView spec, VmPaths paths, QmpOps ops) {
        boolean prepared = false;
        Path sock = paths.dir().resolve("migrate.sock");
        MigrationSource source = null;
        try {
            ObjectNode prepare = JSON.createObjectNode();
            prepare.put("op", "prepare");
            prepare.put("migrationId", request.id().toString());
            prepare.set("vm", JSON.valueToTree(vm));
            prepare.put("channels", MigrationTuning.connections(request.multifdChannels()));
            prepare.put("multifdChannels", request.multifdChannels());
            var cpus = prepare.putArray("pluggedCpus");
            for (CpuSlot c : ops.hotpluggableCpus()) {
                if (c.hotplugged()) {
                    cpus.addObject().put("type", c.type()).put("id", c.deviceId()).put("socketId", c.socketId())
                            .put("coreId", c.coreId()).put("threadId", c.threadId());
                }
            }
            prepare.put("virtioMemRequestedBytes", spec.hotplugMemoryBytes() > 0 ? ops.virtioMemLong("requested-size") : 0);
            // The VM keeps its address and MAC on the target (flat L2 overlay).
            if (node.network() != null) {
                node.network().pool().lookup(name).ifPresent(ip -> prepare.put("ip", ip.getHostAddress()));
                prepare.put("mac", io.vmflex.sys.netlink.MacAddress.format(io.vmflex.netbridge.VmMac.of(name)));
            }
            control(prepare);
            prepared = true;

            Files.deleteIfExists(sock);
            source = MigrationSource.open(sock, request.target(), request.id(),
                    MigrationTuning.connections(request.multifdChannels()), secret, RelayOptions.DEFAULTS);
            MigrationTuning.applySource(ops, request.downtimeLimitMs(), request.maxBandwidthMbps(), request.multifdChannels());
            ObjectNode migrate = JSON.createObjectNode();
            migrate.put("uri", "unix:" + sock);
            ops.call("migrate", migrate);
            update(status.phase("Migrating", "QEMU is migrating"));

            long memGiB = Math.max(1, (spec.baseMemoryBytes() + spec.hotplugMemoryBytes() + (1L << 30) - 1) >> 30);
            long deadline = System.nanoTime() + Duration.ofSeconds(60 + 30 * memGiB).toNanos();
            String qemuStatus = "none";
            while (System.nanoTime() < deadline) {
                JsonNode q = ops.call("query-migrate", null);
                qemuStatus = q.path("status").asText("none");
                JsonNode ram = q.path("ram");
                update(status.progress(qemuStatus, ram.path("transferred").asLong(), ram.path("remaining").asLong(),
                        ram.path("total").asLong(), q.path("downtime").asLong(), q.path("total-time").asLong()));
                if (qemuStatus.equals("completed") || qemuStatus.equals("failed") || qemuStatus.equals("cancelled")) {
                    break;
                }
                Thread.sleep(POLL.toMillis());
            }
            if (!qemuStatus.equals("completed")) {
                String why = qemuStatus.equals("failed") || qemuStatus.equals("cancelled")
                        ? "QEMU reports the migration " + qemuStatus + describeError(ops)
                        : "the migration did not complete in time (QEMU status " + qemuStatus + ")";
                throw new IOException(why);
            }
            ObjectNode commit = JSON.createObjectNode();
            commit.put("op", "commit");
            commit.put("migrationId", request.id().toString());
            control(commit);
            update(status.finished("Completed", "the VM runs on " + status.target(), clock.instant()));
            node.events().publish(VmEvent.normal(name, "Migrated", "live-migrated to " + status.target() + " in "
                    + status.totalMs() + " ms (downtime " + status.downtimeMs() + " ms)"));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            rollBack(name, ops, prepared, "interrupted");
            return false;
        } catch (Exception e) {
            LOG.warn("vm={} migration {} failed: {}", name, request.id(), e.toString());
            rollBack(name, ops, prepared, e.getMessage() == null ? e.toString() : e.getMessage());
            return false;
        } finally {
            if (source != null) {
                source.close();
            }
        }
    }

    private static String describeError(QmpOps ops) {
        try {
            String err = ops.call("query-migrate", null).path("error-desc").asText("");
            return err.isEmpty() ? "" : ": " + err;
        } catch (QmpOps.QmpFailure e) {
            return "";
        }
    }

    /** Leaves the VM running here: cancel, resume if QEMU paused it, let the target drop its QEMU. */
    private void rollBack(String name, QmpOps ops, boolean prepared, String why) {
        try {
            ops.call("migrate_cancel", null);
            for (int i = 0; i < 50; i++) {
                String s = ops.call("query-migrate", null).path("status").asText("none");
                if (!s.equals("active") && !s.equals("cancelling") && !s.equals("device") && !s.equals("setup")) {
                    break;
                }
                Thread.sleep(POLL.toMillis());
            }
            String run = ops.status();
            if (!run.equals("running")) {
                ops.call("cont", null);
            }
        } catch (QmpOps.QmpFailure e) {
            LOG.warn("vm={} resuming after the failed migration: {}", name, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (prepared) {
            try {
                ObjectNode abort = JSON.createObjectNode();
                abort.put("op", "abort");
                abort.put("migrationId", request.id().toString());
                control(abort);
            } catch (IOException e) {
                LOG.warn("vm={} target did not confirm the abort: {}", name, e.getMessage());
            }
        }
        update(status.finished("Failed", why, clock.instant()));
        node.events().publish(VmEvent.warning(name, "MigrationFailed", "migration to " + request.target()
                + " failed, the VM keeps running here: " + why));
    }

    private JsonNode control(ObjectNode req) throws IOException {
        String response = MigrationControl.call(request.target(), secret, JSON.writeValueAsString(req), CONTROL_TIMEOUT,
                RelayOptions.DEFAULTS);
        JsonNode r = JSON.readTree(response);
        if (!r.path("ok").asBoolean(false)) {
            throw new IOException("target refused " + req.path("op").asText() + ": " + r.path("error").asText("no reason"));
        }
        return r;
    }
}
