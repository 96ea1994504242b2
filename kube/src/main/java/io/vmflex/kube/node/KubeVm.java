package io.vmflex.kube.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the node controller reads of one VirtualMachine object in the API. The spec stays a JSON tree
 * so that it is parsed by the daemon's own strict parser (a field the webhook would have refused is
 * then named, not lost in a client's lenient decoding). Immutable.
 *
 * @param status the object's status as stored, {@code NullNode} when it has none
 */
public record KubeVm(ObjectKey key, String uid, String resourceVersion, long generation, Map<String, String> labels,
                     Map<String, String> annotations, List<String> finalizers, boolean deleting, JsonNode spec,
                     JsonNode status) {

    public KubeVm {
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
        finalizers = List.copyOf(finalizers);
    }

    /** From the object as the API serves it (JSON). */
    public static KubeVm of(JsonNode object) {
        JsonNode m = object.path("metadata");
        return new KubeVm(new ObjectKey(m.path("namespace").asText(), m.path("name").asText()), m.path("uid").asText(null),
                m.path("resourceVersion").asText(null), m.path("generation").asLong(0), strings(m.path("labels")),
                strings(m.path("annotations")), list(m.path("finalizers")), m.hasNonNull("deletionTimestamp"),
                object.path("spec"), object.hasNonNull("status") ? object.get("status") : NullNode.instance);
    }

    public boolean holds(String finalizer) {
        return finalizers.contains(finalizer);
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> m = new LinkedHashMap<>();
        node.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private static List<String> list(JsonNode node) {
        List<String> l = new ArrayList<>();
        node.forEach(n -> l.add(n.asText()));
        return l;
    }
}
