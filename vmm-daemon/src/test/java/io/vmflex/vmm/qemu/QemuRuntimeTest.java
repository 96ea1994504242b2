package io.vmflex.vmm.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmflex.api.json.ApiMapper;
import org.junit.jupiter.api.Test;

/** runtime.json across daemon versions: a VM started by an older daemon must still be found. */
class QemuRuntimeTest {

    @Test
    void shouldReadARuntimeWrittenBeforeUnplugsWereCountedAsNoneAndRoundTripTheCount() throws Exception {
        String older = """
                {"pid":42,"startTime":7,"accel":"tcg","launchedAt":"2026-12-01T00:00:00Z","bootCpus":1,"possibleCpus":4,
                 "baseMemoryBytes":268435456,"hotplugMemoryBytes":0,"cpuPlugBudget":32,"cpuPlugs":3}""";
        QemuRuntime rt = ApiMapper.json().readValue(older, QemuRuntime.class);
        assertEquals(3, rt.cpuPlugs());
        assertEquals(0, rt.cpuUnplugs());
        QemuRuntime shrunk = rt.withCpuUnplugs(2);
        assertEquals(shrunk, ApiMapper.json().readValue(ApiMapper.json().writeValueAsBytes(shrunk), QemuRuntime.class));
        assertEquals(3, shrunk.cpuPlugs());
    }
}
