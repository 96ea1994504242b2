package io.vmflex.sys.cpu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class HardwareVirtualizationTest {

    @Test
    void shouldFindVmxWhenAnyCpuListsIt() {
        String cpuinfo = """
                processor\t: 0
                flags\t\t: fpu vme vmx sse2
                bugs\t\t: spectre_v1

                processor\t: 1
                flags\t\t: fpu vme vmx sse2
                """;
        assertEquals(new HardwareVirtualization(true, List.of("vmx")), HardwareVirtualization.parse(cpuinfo));
    }

    @Test
    void shouldFindSvmWhenAmdCpu() {
        assertEquals(List.of("svm"), HardwareVirtualization.parse("flags : fpu svm npt\n").flags());
    }

    @Test
    void shouldReportAbsentWhenOnlyHypervisorFlag() {
        HardwareVirtualization result = HardwareVirtualization.parse("flags\t: fpu hypervisor vmmcall svm_lock\n");
        assertFalse(result.present());
        assertEquals(List.of(), result.flags());
    }

    @Test
    void shouldAgreeWithCpuinfoWhenDetectingOnThisHost() throws Exception {
        HardwareVirtualization here = HardwareVirtualization.detect();
        System.out.println("this host: " + here);
        assertEquals(!here.flags().isEmpty(), here.present());
    }
}
