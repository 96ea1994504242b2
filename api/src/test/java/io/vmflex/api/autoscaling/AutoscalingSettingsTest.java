package io.vmflex.api.autoscaling;

import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.validation.Manifests;
import io.vmflex.api.validation.VmValidator;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.VirtualMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class AutoscalingSettingsTest {

    private static final String BOUNDS = "autoscaling.neon.tech/bounds";
    private static final String FIELD = "metadata.annotations[autoscaling.neon.tech/bounds]";

    /** cpus 250m..4, memory 1..8 slots of 512Mi (512Mi..4Gi). */
    private static VirtualMachine vm(String labels, String annotations) {
        String yaml = """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: example
                  labels: {%s}
                  annotations: {%s}
                spec:
                  guest:
                    cpus: {min: 250m, use: 1, max: 4}
                    memorySlotSize: 512Mi
                    memorySlots: {min: 2, use: 2, max: 8}
                    rootDisk: {image: "vm-postgres:15-bullseye", size: 8Gi}
                """.formatted(labels, annotations);
        return Manifests.parse(yaml.getBytes(StandardCharsets.UTF_8), true);
    }

    private static VirtualMachine withBounds(String json) {
        return vm("", "'" + BOUNDS + "': '" + json + "'");
    }

    @Test
    void shouldReadNeonBoundsWhenAnnotationValid() {
        AutoscalingSettings settings = AutoscalingSettings.of(vm("'autoscaling.neon.tech/enabled': 'true'",
                "'" + BOUNDS + "': '{\"min\":{\"cpu\":0.25,\"mem\":\"1Gi\"},\"max\":{\"cpu\":2,\"mem\":\"4Gi\"}}'"));
        assertTrue(settings.enabled());
        assertFalse(settings.autoMigrationEnabled());
        assertEquals(new MilliCpu(250), settings.bounds().min().cpu());
        assertEquals(ByteQuantity.ofGibibytes(1), settings.bounds().min().mem());
        assertEquals(MilliCpu.ofCpus(2), settings.bounds().max().cpu());
        assertEquals(ByteQuantity.ofGibibytes(4), settings.bounds().max().mem());
        assertNull(settings.unitOverride());
        assertEquals(ComputeUnit.DEFAULT, settings.unit(ComputeUnit.DEFAULT));
    }

    @Test
    void shouldUseSpecRangeWhenNoBoundsAnnotation() {
        AutoscalingSettings settings = AutoscalingSettings.of(vm("", ""));
        assertFalse(settings.enabled());
        assertEquals(new MilliCpu(250), settings.bounds().min().cpu());
        assertEquals(ByteQuantity.ofMebibytes(1024), settings.bounds().min().mem());
        assertEquals(MilliCpu.ofCpus(4), settings.bounds().max().cpu());
        assertEquals(ByteQuantity.ofGibibytes(4), settings.bounds().max().mem());
    }

    static Stream<Arguments> badBounds() {
        return Stream.of(
                arguments("{\"min\":{\"cpu\":0.25,\"mem\":\"1Gi\"},\"max\":{\"cpu\":8,\"mem\":\"4Gi\"}}",
                        FIELD + ".max.cpu: must be at most spec.guest.cpus.max (4), got 8"),
                arguments("{\"min\":{\"cpu\":\"100m\",\"mem\":\"1Gi\"},\"max\":{\"cpu\":2,\"mem\":\"4Gi\"}}",
                        FIELD + ".min.cpu: must be at least spec.guest.cpus.min (250m), got 100m"),
                arguments("{\"min\":{\"cpu\":0.25,\"mem\":\"512Mi\"},\"max\":{\"cpu\":2,\"mem\":\"4Gi\"}}",
                        FIELD + ".min.mem: must be at least spec.guest.memorySlots.min × memorySlotSize (1Gi), "
                                + "got 512Mi"),
                arguments("{\"min\":{\"cpu\":0.25,\"mem\":\"1Gi\"},\"max\":{\"cpu\":2,\"mem\":\"8Gi\"}}",
                        FIELD + ".max.mem: must be at most spec.guest.memorySlots.max × memorySlotSize (4Gi), "
                                + "got 8Gi"),
                arguments("{\"min\":{\"cpu\":0.25,\"mem\":\"1000Mi\"},\"max\":{\"cpu\":2,\"mem\":\"4Gi\"}}",
                        FIELD + ".min.mem: must be a multiple of spec.guest.memorySlotSize (512Mi), got 1000Mi"),
                arguments("{\"min\":{\"cpu\":2,\"mem\":\"1Gi\"},\"max\":{\"cpu\":1,\"mem\":\"4Gi\"}}",
                        FIELD + ".max.cpu: must be at least min.cpu (2), got 1"),
                arguments("{\"min\":{\"cpu\":0,\"mem\":\"1Gi\"},\"max\":{\"cpu\":1,\"mem\":\"4Gi\"}}",
                        FIELD + ".min.cpu: must be greater than 0"),
                arguments("{\"min\":{\"cpu\":-1,\"mem\":\"1Gi\"},\"max\":{\"cpu\":1,\"mem\":\"4Gi\"}}",
                        FIELD + ".min.cpu: CPU amount must not be negative, got -1"),
                arguments("{\"min\":{\"cpu\":0.25},\"max\":{\"cpu\":1,\"mem\":\"4Gi\"}}",
                        FIELD + ".min.mem: required"),
                arguments("{\"min\":{\"cpu\":0.25,\"mem\":\"1Gi\"}}", FIELD + ".max: required"),
                arguments("{\"min\":{\"cpu\":true,\"mem\":\"1Gi\"},\"max\":{\"cpu\":1,\"mem\":\"4Gi\"}}",
                        FIELD + ".min.cpu: expected " + MilliCpu.EXPECTED),
                arguments("{\"min\":{\"cpu\":0.25,\"mem\":\"1Gi\",\"gpu\":1},\"max\":{\"cpu\":1,\"mem\":\"4Gi\"}}",
                        FIELD + ".min.gpu: unknown field, expected one of [cpu, mem]"),
                arguments("[1,2]", FIELD + ": expected a JSON object"));
    }

    @ParameterizedTest
    @MethodSource("badBounds")
    void shouldNameTheFieldWhenBoundsInvalid(String json, String message) {
        VirtualMachine vm = withBounds(json);
        InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> AutoscalingSettings.of(vm));
        assertEquals(message, e.getMessage());
        InvalidSpecException atApply = assertThrows(InvalidSpecException.class, () -> VmValidator.validateCreate(vm));
        assertEquals(message, atApply.getMessage());
    }

    @Test
    void shouldRefuseBoundsWhenNotJsonOrTooLong() {
        InvalidSpecException e = assertThrows(InvalidSpecException.class,
                () -> AutoscalingSettings.of(withBounds("{\"min\":")));
        assertTrue(e.getMessage().startsWith(FIELD + ": is not valid JSON"), e.getMessage());
        InvalidSpecException dup = assertThrows(InvalidSpecException.class, () -> AutoscalingSettings.of(withBounds(
                "{\"min\":{\"cpu\":1,\"mem\":\"1Gi\"},\"min\":{\"cpu\":1,\"mem\":\"1Gi\"},\"max\":{\"cpu\":1,\"mem\":\"4Gi\"}}")));
        assertTrue(dup.getMessage().startsWith(FIELD + ": is not valid JSON"), dup.getMessage());
        InvalidSpecException longText = assertThrows(InvalidSpecException.class,
                () -> AutoscalingSettings.of(withBounds(" ".repeat(2000) + "{}")));
        assertEquals(FIELD + ": must be at most 1024 characters, got 2002", longText.getMessage());
    }

    @Test
    void shouldReadVmComputeUnitWhenAnnotated() {
        AutoscalingSettings settings = AutoscalingSettings.of(vm("",
                "'autoscaling.neon.tech/scaling-unit': '{\"vCPUs\":\"500m\",\"mem\":\"2Gi\"}'"));
        assertEquals(new ComputeUnit(new MilliCpu(500), ByteQuantity.ofGibibytes(2)), settings.unit(ComputeUnit.DEFAULT));
    }

    @Test
    void shouldRefuseComputeUnitWhenNotWholeSlots() {
        VirtualMachine vm = vm("", "'autoscaling.neon.tech/scaling-unit': '{\"vCPUs\":\"250m\",\"mem\":\"768Mi\"}'");
        InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> VmValidator.validateCreate(vm));
        assertEquals("metadata.annotations[autoscaling.neon.tech/scaling-unit].mem: must be a multiple of "
                + "spec.guest.memorySlotSize (512Mi), got 768Mi", e.getMessage());
    }

    @Test
    void shouldRefuseLabelWhenNeitherTrueNorFalse() {
        VirtualMachine vm = vm("'autoscaling.neon.tech/auto-migration-enabled': 'yes'", "");
        InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> VmValidator.validateCreate(vm));
        assertEquals("metadata.labels[autoscaling.neon.tech/auto-migration-enabled]: must be \"true\" or \"false\", "
                + "got \"yes\"", e.getMessage());
        assertTrue(AutoscalingSettings.of(vm("'autoscaling.neon.tech/auto-migration-enabled': 'true'", ""))
                .autoMigrationEnabled());
    }

    @Test
    void shouldRefuseComputeUnitWhenMemoryNotMultipleOfSlot() {
        assertEquals("memory 1Gi must be a multiple of the memory slot size 768Mi",
                ComputeUnit.DEFAULT.checkFits(ByteQuantity.ofMebibytes(768)));
        assertNull(ComputeUnit.DEFAULT.checkFits(ByteQuantity.ofMebibytes(256)));
    }
}
