package io.vmflex.agent.core;

import io.vmflex.api.autoscaling.ComputeUnit;
import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.validation.Manifests;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.api.vm.VmPhase;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmViewTest {

    static final long GI = 1024L * 1024 * 1024;

    static VirtualMachine vm(String annotations) {
        String yaml = """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: pg
                  labels: {autoscaling.neon.tech/enabled: "true"}
                  annotations: {%s}
                spec:
                  guest:
                    cpus: {min: 250m, use: 500m, max: 4}
                    memorySlotSize: 1Gi
                    memorySlots: {min: 1, use: 2, max: 8}
                    rootDisk: {image: "vm-postgres:15-bullseye", size: 8Gi}
                """.formatted(annotations);
        return Manifests.parse(yaml.getBytes(StandardCharsets.UTF_8), true);
    }

    @Test
    void shouldTakeBoundsAndUnitFromAnnotationsWhenPresent() {
        VirtualMachine vm = vm("""
                autoscaling.neon.tech/bounds: '{"min":{"cpu":0.5,"mem":"2Gi"},"max":{"cpu":2,"mem":"4Gi"}}',
                autoscaling.neon.tech/scaling-unit: '{"vCPUs":"500m","mem":"2Gi"}'""")
                .withStatus(VirtualMachineStatus.ofPhase(VmPhase.Migrating));
        VmView view = VmView.of(vm, ComputeUnit.DEFAULT);
        assertEquals(new Allocation(500, 2 * GI), view.use());
        assertEquals(new Allocation(500, 2 * GI), view.boundsMin());
        assertEquals(new Allocation(2000, 4 * GI), view.boundsMax());
        assertEquals(new Allocation(500, 2 * GI), view.unit());
        assertTrue(view.migrating());
    }

    @Test
    void shouldUseNodeUnitAndSpecRangeWhenNotAnnotated() {
        VmView view = VmView.of(vm(""), ComputeUnit.DEFAULT);
        assertEquals(new Allocation(250, GI), view.unit());
        assertEquals(new Allocation(250, GI), view.boundsMin());
        assertEquals(new Allocation(4000, 8 * GI), view.boundsMax());
    }

    @Test
    void shouldRefuseWhenBoundsAnnotationInvalid() {
        InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> VmView.of(vm(
                "autoscaling.neon.tech/bounds: '{\"min\":{\"cpu\":0.5,\"mem\":\"2Gi\"},\"max\":{\"cpu\":9,\"mem\":\"4Gi\"}}'"),
                ComputeUnit.DEFAULT));
        assertEquals("metadata.annotations[autoscaling.neon.tech/bounds].max.cpu", e.field());
    }
}
