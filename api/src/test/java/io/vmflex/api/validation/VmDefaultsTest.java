package io.vmflex.api.validation;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.CpuScalingMode;
import io.vmflex.api.vm.ImagePullPolicy;
import io.vmflex.api.vm.Protocol;
import io.vmflex.api.vm.RestartPolicy;
import io.vmflex.api.vm.VirtualMachine;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class VmDefaultsTest {

    @Test
    void shouldFillNeonVmDefaultsWhenAbsent() {
        VirtualMachine vm = TestVms.validWith("/spec/guest/memorySlotSize", null);
        var spec = VmDefaults.apply(vm).spec();
        assertEquals(RestartPolicy.Always, spec.restartPolicy());
        assertEquals(CpuScalingMode.QmpScaling, spec.cpuScalingMode());
        assertEquals(20183, spec.qmp());
        assertEquals(20184, spec.qmpManual());
        assertEquals(25183, spec.runnerPort());
        assertEquals(5L, spec.terminationGracePeriodSeconds());
        assertEquals(true, spec.enableAcceleration());
        assertEquals(true, spec.enableSsh());
        assertEquals(false, spec.enableNetworkMonitoring());
        assertEquals(ByteQuantity.ofGibibytes(1), spec.guest().memorySlotSize());
        assertEquals(ImagePullPolicy.IfNotPresent, spec.guest().rootDisk().imagePullPolicy());
        assertNull(spec.extraNetwork());
        assertNull(spec.tls());
        assertNull(spec.guest().memoryProvider());
    }

    @Test
    void shouldFillNestedDefaultsWhenParentPresent() {
        VirtualMachine vm = TestVms.validWith("/spec/extraNetwork", Map.of("enable", true));
        vm = VmDefaults.apply(vm.withSpec(vm.spec()));
        assertEquals("net1", vm.spec().extraNetwork().interfaceName());
        var withLists = VmDefaults.apply(TestVms.validWith("/spec/guest/ports", List.of(Map.of("port", 22))));
        assertEquals(Protocol.TCP, withLists.spec().guest().ports().getFirst().protocol());
        var withEnv = VmDefaults.apply(TestVms.validWith("/spec/guest/env", List.of(Map.of("name", "A"))));
        assertEquals("", withEnv.spec().guest().env().getFirst().value());
        var withDisk = VmDefaults.apply(TestVms.validWith("/spec/disks",
                List.of(Map.of("name", "d", "mountPath", "/d", "tmpfs", Map.of("size", "1Mi")))));
        assertEquals(false, withDisk.spec().disks().getFirst().readOnly());
        assertEquals(false, withDisk.spec().disks().getFirst().watch());
        var withTls = VmDefaults.apply(TestVms.validWith("/spec/tls", Map.of("serverName", "x")));
        assertEquals("/var/tls", withTls.spec().tls().mountPath());
    }

    @Test
    void shouldKeepExplicitValuesWhenPresent() {
        VirtualMachine vm = TestVms.validWith("/spec/restartPolicy", "Never");
        assertEquals(RestartPolicy.Never, VmDefaults.apply(vm).spec().restartPolicy());
    }

    @Test
    void shouldBeIdempotentWhenAppliedTwice() {
        VirtualMachine once = VmDefaults.apply(Manifests.parse(TestVms.resource("neonvm-full.yaml"), true));
        assertEquals(once, VmDefaults.apply(once));
    }

    @Test
    void shouldLeaveVmUnchangedWhenSpecAbsent() {
        VirtualMachine vm = TestVms.validWith("/spec", null);
        assertSame(vm, VmDefaults.apply(vm));
    }
}
