package io.vmflex.kube.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.Condition;
import io.vmflex.api.vm.GuestStatus;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.api.vm.VmPhase;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.vmflex.kube.node.Objects.localOf;
import static io.vmflex.kube.node.Objects.ours;
import static io.vmflex.kube.node.Objects.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusProjectionTest {
    private static final Instant T0 = Instant.parse("2026-12-06T08:00:00.123456Z");

    private static VirtualMachine running(int cpus) {
        return localOf(ours("1")).withStatus(VirtualMachineStatus.ofPhase(VmPhase.Running)
                .withCpus(MilliCpu.ofCpus(cpus)).withMemorySize(ByteQuantity.ofMebibytes(256)).withRestartCount(0)
                .withExtraNet("10.77.0.2", "255.255.255.0").withPid(4242L)
                .withConditions(List.of(Condition.of("Ready", true, "Running", "the guest runs", T0)))
                .withGuest(new GuestStatus(null, 1, null, null, null, null, null, null)));
    }

    @Test
    void shouldWriteWhatTheDaemonObservesAndTheNode() {
        ObjectNode s = StatusProjection.project(null, running(1), "node-1", null, T0);
        assertEquals("Running", s.get("phase").asText());
        assertEquals("node-1", s.get("node").asText());
        assertEquals(1, s.get("cpus").asInt());
        assertEquals("256Mi", s.get("memorySize").asText());
        assertEquals("10.77.0.2", s.get("extraNetIP").asText());
        assertFalse(s.has("guest"), "the guest's every-second figures stay off the API");
        assertFalse(s.has("pid"));
        assertEquals("2026-12-06T08:00:00Z", s.get("conditions").get(0).get("lastTransitionTime").asText());
        assertEquals("SpecValid", s.get("conditions").get(1).get("type").asText());
    }

    /** The caller writes only on a difference: projecting onto what was written must give it back unchanged. */
    @Test
    void shouldBeStableOnceWrittenSoNothingIsWrittenTwice() {
        ObjectNode written = StatusProjection.project(null, running(1), "node-1", null, T0);
        JsonNode readBack = tree(written.toString());
        assertTrue(StatusProjection.same(readBack, StatusProjection.project(readBack, running(1), "node-1", null, T0.plusSeconds(60))));
        assertFalse(StatusProjection.same(readBack, StatusProjection.project(readBack, running(2), "node-1", null, T0)));
    }

    @Test
    void shouldKeepTheSchedulersConditionAndFieldsTheNodeDoesNotOwn() {
        JsonNode stored = tree("""
                {"phase":"Pending","node":"node-1","podName":"p","conditions":[{"type":"Scheduled","status":"True",
                 "reason":"Bound","lastTransitionTime":"2026-12-06T07:00:00Z"}]}""");
        ObjectNode s = StatusProjection.project(stored, running(1), "node-1", null, T0);
        assertEquals("p", s.get("podName").asText());
        assertEquals("Scheduled", s.get("conditions").get(0).get("type").asText());
        assertEquals("Running", s.get("phase").asText());
    }

    @Test
    void shouldSayWhyASpecDoesNotRunAndKeepThatTransitionTime() {
        ObjectNode refused = StatusProjection.project(null, null, "node-1", "spec.guest.cpus.use: too many", T0);
        assertEquals("Pending", refused.get("phase").asText());
        JsonNode valid = refused.get("conditions").get(0);
        assertEquals("False", valid.get("status").asText());
        assertEquals("InvalidSpec", valid.get("reason").asText());
        assertEquals("spec.guest.cpus.use: too many", valid.get("message").asText());
        ObjectNode later = StatusProjection.project(refused, null, "node-1", "spec.guest.cpus.use: too many", T0.plusSeconds(90));
        assertTrue(StatusProjection.same(refused, later));
        ObjectNode fixed = StatusProjection.project(refused, running(1), "node-1", null, T0.plusSeconds(90));
        JsonNode now = fixed.get("conditions").get(1);
        assertEquals("True", now.get("status").asText());
        assertEquals("2026-12-06T08:01:30Z", now.get("lastTransitionTime").asText());
    }

    @Test
    void shouldCompareNumbersByValue() {
        assertTrue(StatusProjection.same(tree("{\"cpus\":2}"), tree("{\"cpus\":2.0}")));
        assertFalse(StatusProjection.same(tree("{\"cpus\":2}"), tree("{\"cpus\":\"2\"}")));
    }
}
