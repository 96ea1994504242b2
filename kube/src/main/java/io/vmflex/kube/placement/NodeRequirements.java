package io.vmflex.kube.placement;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.vm.VirtualMachineSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which VM nodes a VM may go to, from its spec: {@code nodeSelector} (every pair must be a label of
 * the node), the required node affinity (one of its terms must match; the preferred part is not
 * weighed), and {@code tolerations} against the node's {@code NoSchedule}/{@code NoExecute} taints
 * (the VM-node taint itself needs none). A node that is not Ready or is cordoned takes no VM.
 * Immutable.
 *
 * @param requiredTerms null when the VM has no required node affinity
 */
public record NodeRequirements(Map<String, String> nodeSelector, List<NodeSelectorTerm> requiredTerms,
                               List<Toleration> tolerations) {

    public static final NodeRequirements NONE = new NodeRequirements(Map.of(), null, List.of());

    public NodeRequirements {
        nodeSelector = Map.copyOf(nodeSelector);
        requiredTerms = requiredTerms == null ? null : List.copyOf(requiredTerms);
        tolerations = List.copyOf(tolerations);
    }

    /**
     * Why {@code node} cannot take the VM, in a few words, or null if it can. The first reason found,
     * in the order a person would check them.
     */
    public String mismatch(NodeInfo node) {
        if (!node.ready()) {
            return "not Ready";
        }
        if (node.unschedulable()) {
            return "cordoned";
        }
        for (Map.Entry<String, String> e : new TreeMap<>(nodeSelector).entrySet()) {
            if (!e.getValue().equals(node.labels().get(e.getKey()))) {
                return "nodeSelector " + e.getKey() + "=" + e.getValue() + " not matched";
            }
        }
        if (requiredTerms != null && requiredTerms.stream().noneMatch(t -> t.matches(node.name(), node.labels()))) {
            return "node affinity not matched";
        }
        for (NodeTaint taint : node.taints()) {
            if (taint.repels() && !taint.key().equals(VmNodeContract.VM_NODE_TAINT)
                    && tolerations.stream().noneMatch(t -> t.tolerates(taint))) {
                return "taint " + taint.describe() + " not tolerated";
            }
        }
        return null;
    }

    /**
     * The requirements in a VM's spec.
     *
     * @throws IllegalArgumentException naming the field, when {@code affinity} or {@code tolerations}
     *                                  is not shaped as Kubernetes' (the CRD keeps both as free JSON)
     */
    public static NodeRequirements of(VirtualMachineSpec spec) {
        Map<String, String> selector = spec.nodeSelector() == null ? Map.of() : spec.nodeSelector();
        return new NodeRequirements(selector, requiredTerms(spec.affinity()), tolerations(spec.tolerations()));
    }

    private static List<NodeSelectorTerm> requiredTerms(JsonNode affinity) {
        if (affinity == null || affinity.isNull()) {
            return null;
        }
        JsonNode required = affinity.path("nodeAffinity").path("requiredDuringSchedulingIgnoredDuringExecution");
        if (required.isMissingNode() || required.isNull()) {
            return null;
        }
        String path = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
        JsonNode terms = required.path("nodeSelectorTerms");
        if (!terms.isArray()) {
            throw new IllegalArgumentException(path + ": expected a list of terms");
        }
        List<NodeSelectorTerm> out = new ArrayList<>();
        for (int i = 0; i < terms.size(); i++) {
            JsonNode term = terms.get(i);
            out.add(new NodeSelectorTerm(requirements(term.path("matchExpressions"), path + "[" + i + "].matchExpressions", false),
                    requirements(term.path("matchFields"), path + "[" + i + "].matchFields", true)));
        }
        return out;
    }

    private static List<NodeSelectorTerm.Requirement> requirements(JsonNode list, String path, boolean fields) {
        if (list.isMissingNode() || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new IllegalArgumentException(path + ": expected a list");
        }
        List<NodeSelectorTerm.Requirement> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode r = list.get(i);
            String at = path + "[" + i + "]";
            String key = r.path("key").asText("");
            String operator = r.path("operator").asText("");
            if (key.isEmpty()) {
                throw new IllegalArgumentException(at + ".key: required");
            }
            if (!NodeSelectorTerm.OPERATORS.contains(operator)) {
                throw new IllegalArgumentException(at + ".operator: expected one of In, NotIn, Exists, DoesNotExist, Gt, Lt, got \""
                        + operator + "\"");
            }
            if (fields && (!key.equals("metadata.name") || !(operator.equals("In") || operator.equals("NotIn")))) {
                throw new IllegalArgumentException(at + ": only metadata.name with In or NotIn is supported as a field");
            }
            List<String> values = new ArrayList<>();
            r.path("values").forEach(v -> values.add(v.asText()));
            out.add(new NodeSelectorTerm.Requirement(key, operator, values));
        }
        return out;
    }

    private static List<Toleration> tolerations(JsonNode list) {
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new IllegalArgumentException("spec.tolerations: expected a list");
        }
        List<Toleration> out = new ArrayList<>();
        for (JsonNode t : list) {
            out.add(new Toleration(text(t, "key"), text(t, "operator"), text(t, "value"), text(t, "effect")));
        }
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
