package io.vmflex.kube.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VmPhase;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The status the node writes on a VirtualMachine object: what the daemon observes of the VM (phase,
 * vCPUs, memory, restarts, addresses, current revision, its conditions), the node's name, and a
 * {@code SpecValid} condition. Fields of the status the node does not own (the scheduler's
 * {@code Scheduled} condition, anything else) stay as they are. The guest monitor's every-second
 * figures are left out: they would make a write every second.
 *
 * <p>The caller writes only when {@link #project} differs from the stored status, so the result is a
 * function of its inputs and of the stored status only: a condition keeps its stored transition time
 * while its status stays, and times are whole seconds (as the API server keeps metav1 times).
 *
 * <p>Pure; thread-safe.
 */
public final class StatusProjection {
    public static final String SPEC_VALID = "SpecValid";
    /** The scheduler's condition: the one condition type the node never writes. */
    static final Set<String> FOREIGN_CONDITIONS = Set.of("Scheduled");
    /** Status fields copied from the daemon's VM. */
    private static final List<String> OWNED = List.of("phase", "restartCount", "podIP", "extraNetIP", "extraNetMask", "cpus",
            "memorySize", "currentRevision", "accel");
    private static final ObjectMapper JSON = ApiMapper.json();

    private StatusProjection() {
    }

    /**
     * @param stored  the object's status now ({@code NullNode} or missing when none)
     * @param local   the node's VM, or null when none runs (not created, or refused)
     * @param refusal why the spec cannot run, or null when it runs
     */
    public static ObjectNode project(JsonNode stored, VirtualMachine local, String node, String refusal, Instant now) {
        ObjectNode status = stored != null && stored.isObject() ? stored.deepCopy() : JsonNodeFactory.instance.objectNode();
        JsonNode observed = local == null || local.status() == null ? JsonNodeFactory.instance.objectNode()
                : JSON.valueToTree(local.status());
        for (String field : OWNED) {
            if (observed.hasNonNull(field)) {
                status.set(field, observed.get(field));
            } else {
                status.remove(field);
            }
        }
        if (!status.hasNonNull("phase")) {
            status.put("phase", VmPhase.Pending.name());
        }
        status.put("node", node);
        status.set("conditions", conditions(stored == null ? null : stored.get("conditions"), observed.get("conditions"),
                refusal, now));
        return status;
    }

    /** Whether two statuses say the same (numbers compared by value: the API may hand back 2 where 2L was written). */
    public static boolean same(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.equals(NUMERIC, b);
    }

    private static final java.util.Comparator<JsonNode> NUMERIC = (x, y) -> {
        if (x.isNumber() && y.isNumber()) {
            return x.decimalValue().compareTo(y.decimalValue());
        }
        return x.equals(y) ? 0 : 1;
    };

    private static ArrayNode conditions(JsonNode stored, JsonNode observed, String refusal, Instant now) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        if (stored != null) {
            stored.forEach(c -> {
                if (FOREIGN_CONDITIONS.contains(c.path("type").asText())) {
                    out.add(c);
                }
            });
        }
        if (observed != null) {
            observed.forEach(c -> {
                if (!FOREIGN_CONDITIONS.contains(c.path("type").asText()) && !SPEC_VALID.equals(c.path("type").asText())) {
                    out.add(withTime(c.deepCopy(), stored, now));
                }
            });
        }
        ObjectNode valid = JsonNodeFactory.instance.objectNode().put("type", SPEC_VALID)
                .put("status", refusal == null ? "True" : "False")
                .put("reason", refusal == null ? "Accepted" : "InvalidSpec")
                .put("message", refusal == null ? "the node runs this spec" : refusal);
        out.add(withTime(valid, stored, now));
        return out;
    }

    /**
     * The condition with a transition time in whole seconds: the stored one while the type's status is
     * unchanged (the daemon's own time otherwise, else now).
     */
    private static ObjectNode withTime(ObjectNode condition, JsonNode stored, Instant now) {
        String type = condition.path("type").asText();
        if (stored != null) {
            for (JsonNode c : stored) {
                if (type.equals(c.path("type").asText()) && Objects.equals(c.path("status").asText(), condition.path("status").asText())
                        && c.hasNonNull("lastTransitionTime")) {
                    condition.set("lastTransitionTime", c.get("lastTransitionTime"));
                    return condition;
                }
            }
        }
        Instant at = now;
        if (condition.hasNonNull("lastTransitionTime")) {
            try {
                at = Instant.parse(condition.get("lastTransitionTime").asText());
            } catch (java.time.format.DateTimeParseException e) {
                at = now;
            }
        }
        condition.put("lastTransitionTime", at.truncatedTo(ChronoUnit.SECONDS).toString());
        return condition;
    }
}
