package io.vmflex.kube.migration;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachineMigrationSpec;
import io.vmflex.kube.node.ObjectKey;

/**
 * What the migration controller reads of one VirtualMachineMigration object. A spec that does not
 * parse is kept as its one-line error, so the migration can fail saying why. Immutable.
 *
 * @param spec        null when {@code specError} says why it does not parse
 * @param phase       status.phase, null when none yet
 * @param migrationId the source daemon's migration id (status.info.id), null before it started
 */
public record KubeVmm(ObjectKey key, String uid, String resourceVersion, boolean deleting, VirtualMachineMigrationSpec spec,
                      String specError, String phase, String sourceNode, String targetNode, String migrationId,
                      String message, JsonNode status) {
    private static final ObjectMapper STRICT = ApiMapper.json().copy()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** From the object as the API serves it (JSON). */
    public static KubeVmm of(JsonNode object) {
        JsonNode m = object.path("metadata");
        VirtualMachineMigrationSpec spec = null;
        String error = null;
        try {
            spec = STRICT.treeToValue(object.path("spec"), VirtualMachineMigrationSpec.class);
            if (spec == null || spec.vmName() == null || spec.vmName().isBlank()) {
                spec = null;
                error = "spec.vmName: required";
            }
        } catch (Exception e) {
            error = "spec: " + e.getMessage().lines().findFirst().orElse("does not parse");
        }
        JsonNode s = object.path("status");
        return new KubeVmm(new ObjectKey(m.path("namespace").asText(), m.path("name").asText()), m.path("uid").asText(null),
                m.path("resourceVersion").asText(null), m.hasNonNull("deletionTimestamp"), spec, error,
                text(s, "phase"), text(s, "sourceNode"), text(s, "targetNode"), text(s.path("info"), "id"), text(s, "message"),
                s.isObject() ? s : null);
    }

    /** The VirtualMachine it moves (same namespace), null when the spec does not parse. */
    public ObjectKey vm() {
        return spec == null ? null : new ObjectKey(key.namespace(), spec.vmName());
    }

    /** Ended: Succeeded or Failed. */
    public boolean ended() {
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** Running with this node as the source. */
    public boolean runningFrom(String node) {
        return "Running".equals(phase) && node.equals(sourceNode);
    }

    /** Running with this node as the target. */
    public boolean runningTo(String node) {
        return "Running".equals(phase) && node.equals(targetNode);
    }

    /** Where it should go: spec.targetNode, else the scheduler's status.targetNode. */
    public String wantedTarget() {
        if (spec != null && spec.targetNode() != null && !spec.targetNode().isBlank()) {
            return spec.targetNode();
        }
        return targetNode;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
    }
}
