package io.vmflex.kube.placement;

import io.vmflex.scheduler.core.Amount;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeRequirementsTest {

    private static NodeInfo node(String name, Map<String, String> labels, NodeTaint... taints) {
        return new NodeInfo(name, labels, List.of(taints), true, false, new Amount(1000, 1L << 30));
    }

    private static NodeSelectorTerm.Requirement req(String key, String op, String... values) {
        return new NodeSelectorTerm.Requirement(key, op, List.of(values));
    }

    @Test
    void shouldMatchEveryOperatorAsKubernetesDoes() {
        Map<String, String> labels = Map.of("zone", "a", "cores", "16");
        assertTrue(req("zone", "In", "a", "b").holdsFor(labels.get("zone")));
        assertFalse(req("zone", "In", "b").holdsFor(labels.get("zone")));
        assertTrue(req("zone", "NotIn", "b").holdsFor(labels.get("zone")));
        assertTrue(req("missing", "NotIn", "b").holdsFor(labels.get("missing")));
        assertTrue(req("zone", "Exists").holdsFor(labels.get("zone")));
        assertTrue(req("missing", "DoesNotExist").holdsFor(labels.get("missing")));
        assertTrue(req("cores", "Gt", "8").holdsFor(labels.get("cores")));
        assertFalse(req("cores", "Lt", "8").holdsFor(labels.get("cores")));
        assertFalse(req("zone", "Gt", "8").holdsFor(labels.get("zone")));
        assertFalse(req("zone", "Lt", "8").holdsFor(labels.get("zone")));
        assertFalse(req("missing", "Lt", "8").holdsFor(labels.get("missing")));
    }

    @Test
    void shouldTreatTermsAsAlternativesAndAnEmptyTermAsMatchingNothing() {
        NodeRequirements r = new NodeRequirements(Map.of(), List.of(
                new NodeSelectorTerm(List.of(req("zone", "In", "a")), List.of()),
                new NodeSelectorTerm(List.of(), List.of(req("metadata.name", "In", "special")))), List.of());
        assertNull(r.mismatch(node("x", Map.of("zone", "a"))));
        assertNull(r.mismatch(node("special", Map.of())));
        assertEquals("node affinity not matched", r.mismatch(node("y", Map.of("zone", "b"))));
        NodeRequirements empty = new NodeRequirements(Map.of(), List.of(new NodeSelectorTerm(List.of(), List.of())), List.of());
        assertEquals("node affinity not matched", empty.mismatch(node("x", Map.of())));
    }

    @Test
    void shouldNeedTolerationsForEveryRepellingTaintButTheVmNodeOne() {
        NodeInfo n = node("n", Map.of(), new NodeTaint(VmNodeContract.VM_NODE_TAINT, "true", "NoSchedule"),
                new NodeTaint("soft", "", "PreferNoSchedule"), new NodeTaint("dedicated", "db", "NoExecute"));
        assertEquals("taint dedicated=db:NoExecute not tolerated", NodeRequirements.NONE.mismatch(n));
        assertNull(new NodeRequirements(Map.of(), null, List.of(new Toleration("dedicated", "Equal", "db", "NoExecute"))).mismatch(n));
        assertNull(new NodeRequirements(Map.of(), null, List.of(new Toleration("dedicated", null, "db", null))).mismatch(n));
        assertNull(new NodeRequirements(Map.of(), null, List.of(new Toleration(null, "Exists", null, null))).mismatch(n));
        assertEquals("taint dedicated=db:NoExecute not tolerated",
                new NodeRequirements(Map.of(), null, List.of(new Toleration("dedicated", "Equal", "web", null))).mismatch(n));
        assertEquals("taint dedicated=db:NoExecute not tolerated",
                new NodeRequirements(Map.of(), null, List.of(new Toleration("dedicated", "Exists", null, "NoSchedule"))).mismatch(n));
    }
}
