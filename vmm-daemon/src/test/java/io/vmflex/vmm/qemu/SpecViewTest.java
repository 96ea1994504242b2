package io.vmflex.vmm.qemu;

import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecViewTest {
    private static VirtualMachine vm(String mode) throws Exception {
        return ApiMapper.json().readValue("""
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"vm1"},
                 "spec":{%s"guest":{"cpus":{"min":1,"use":2,"max":4},"memorySlotSize":"128Mi",
                                  "memorySlots":{"min":2,"use":2,"max":2}}}}""".formatted(
                mode == null ? "" : "\"cpuScalingMode\":\"" + mode + "\","), VirtualMachine.class);
    }

    @Test
    void shouldBootEveryVcpuUnderSysfsScalingAndOnlyMinUnderQmpScaling() throws Exception {
        SpecView sysfs = SpecView.of(vm("SysfsScaling"));
        assertTrue(sysfs.sysfsCpus());
        assertEquals(4, sysfs.bootCpus());
        assertEquals(2, sysfs.desiredCpus());

        for (String mode : new String[] {"QmpScaling", null}) {
            SpecView qmp = SpecView.of(vm(mode));
            assertFalse(qmp.sysfsCpus(), String.valueOf(mode));
            assertEquals(1, qmp.bootCpus());
            assertEquals(2, qmp.desiredCpus());
        }
    }
}
