package io.vmflex.kube.migration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;

/**
 * The status a decision writes on a VirtualMachineMigration: the stored one with the decision's fields
 * replaced (others, such as the scheduler's status.targetNode, kept). The daemon's record of the move
 * goes to {@code info}; its figures to NeonVM-style top-level fields.
 *
 * <p>Pure; thread-safe.
 */
public final class VmmStatus {
    private VmmStatus() {
    }

    public static ObjectNode pending(JsonNode stored, String message) {
        return base(stored).put("phase", "Pending").put("message", message);
    }

    public static ObjectNode failed(JsonNode stored, String message) {
        return base(stored).put("phase", "Failed").put("message", message);
    }

    public static ObjectNode running(JsonNode stored, String source, String target, String message) {
        return base(stored).put("phase", "Running").put("sourceNode", source).put("targetNode", target).put("message", message);
    }

    /** Running with the daemon's figures. */
    public static ObjectNode progress(JsonNode stored, MigrationStatus d) {
        ObjectNode s = figures(base(stored), d).put("phase", "Running");
        s.put("message", d.phase() == MigrationPhase.Preparing ? "preparing the target"
                : "migrating: " + mib(d.transferredBytes()) + " MiB sent, " + mib(d.remainingBytes()) + " MiB to go");
        return s;
    }

    /** Succeeded: the VM runs on the target and its object says so. */
    public static ObjectNode succeeded(JsonNode stored, MigrationStatus d, String target) {
        return figures(base(stored), d).put("phase", "Succeeded").put("downtimeMs", downtime(d))
                .put("message", "moved to node " + target + " in " + d.totalMs() + " ms, the guest paused " + downtime(d) + " ms");
    }

    /** Failed or cancelled on the daemon: the VM stayed on the source (or was deleted there). */
    public static ObjectNode ended(JsonNode stored, MigrationStatus d, String source) {
        String why = d.phase() == MigrationPhase.Cancelled ? "cancelled" : "failed" + (d.reason() == null ? "" : " (" + d.reason() + ")");
        String said = d.message() == null ? "" : d.message();
        return figures(base(stored), d).put("phase", "Failed")
                .put("message", (said.startsWith(why) ? said : why + ": " + said) + " [source node " + source + "]");
    }

    /** The guest's pause as clients see it: the daemons' switch-over when measured, else QEMU's downtime. */
    static long downtime(MigrationStatus d) {
        return d.switchoverMs() > 0 ? d.switchoverMs() : d.downtimeMs();
    }

    private static ObjectNode figures(ObjectNode s, MigrationStatus d) {
        s.set("info", ApiMapper.json().valueToTree(d));
        s.put("totalTimeMs", d.totalMs());
        s.put("ramTransferredBytes", d.transferredBytes());
        return s;
    }

    private static ObjectNode base(JsonNode stored) {
        return stored != null && stored.isObject() ? ((ObjectNode) stored).deepCopy() : ApiMapper.json().createObjectNode();
    }

    private static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }
}
