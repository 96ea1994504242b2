package io.vmflex.kube.migration;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Node object as the migrations read it: where its daemon accepts live migrations and its overlay
 * endpoint, from the annotations each daemon writes on its own Node at start. Immutable.
 *
 * @param migrationAddress {@code host:port} of its daemon's migration listener, null when not annotated
 * @param underlayAddress  its VXLAN endpoint, null when not annotated
 */
public record VmNode(String name, String migrationAddress, String underlayAddress, Map<String, String> labels) {
    /** host:port of the node daemon's migration listener. */
    public static final String MIGRATION_ADDRESS = "vmflex.io/migration-address";
    /** The node's underlay (overlay peer) address. */
    public static final String UNDERLAY_ADDRESS = "vmflex.io/underlay-address";

    public VmNode {
        labels = Map.copyOf(labels);
    }

    /** From a Node object as the API serves it (JSON). */
    public static VmNode of(JsonNode node) {
        JsonNode m = node.path("metadata");
        Map<String, String> labels = new LinkedHashMap<>();
        m.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        JsonNode a = m.path("annotations");
        return new VmNode(m.path("name").asText(), blankToNull(a.path(MIGRATION_ADDRESS).asText(null)),
                blankToNull(a.path(UNDERLAY_ADDRESS).asText(null)), labels);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
