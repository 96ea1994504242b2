package io.vmflex.api.vm;

import io.vmflex.api.json.ApiMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The generated withers (record-builder) behave as the hand-written ones did. */
class VirtualMachineStatusTest {

    private static final VirtualMachineStatus RUNNING = VirtualMachineStatus.ofPhase(VmPhase.Running)
            .withNode("node-a").withPid(42L).withAccel("tcg").withRestartCount(2)
            .withCpus(new MilliCpu(2000)).withMemorySize(ByteQuantity.ofBytes(1L << 30));

    @Test
    void shouldReplaceOnlyTheNamedFieldWhenAWitherIsUsed() {
        VirtualMachineStatus moved = RUNNING.withNode("node-b");
        assertEquals("node-b", moved.node());
        assertEquals(RUNNING, moved.withNode("node-a"));
        assertEquals(new VirtualMachineStatus(null, VmPhase.Running, 2, null, null, null, null, "node-a",
                new MilliCpu(2000), ByteQuantity.ofBytes(1L << 30), null, null, null, null, 42L, "tcg", null, null), RUNNING);
    }

    @Test
    void shouldSetBothHalvesWhenTheExtraNetIsSet() {
        VirtualMachineStatus s = RUNNING.withExtraNet("10.0.0.5", "255.255.255.0");
        assertEquals("10.0.0.5", s.extraNetIP());
        assertEquals("255.255.255.0", s.extraNetMask());
        assertEquals(RUNNING, s.withExtraNet(null, null));
    }

    @Test
    void shouldKeepConditionsImmutableWhenSetThroughAWither() {
        List<Condition> given = new ArrayList<>(List.of(new Condition("Ready", "True", 1L, Instant.EPOCH, "Running", "ok")));
        VirtualMachineStatus s = RUNNING.withConditions(given);
        given.clear();
        assertEquals(1, s.conditions().size());
        assertThrows(UnsupportedOperationException.class, () -> s.conditions().clear());
    }

    @Test
    void shouldWriteOnlyTheFieldsWhenSerialised() throws Exception {
        assertEquals("{\"phase\":\"Running\",\"node\":\"node-a\"}",
                ApiMapper.json().writeValueAsString(VirtualMachineStatus.ofPhase(VmPhase.Running).withNode("node-a")));
    }
}
