package io.vmflex.api.validation;

import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.VirtualMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class VmValidatorTest {

    static Stream<Arguments> createViolations() {
        return Stream.of(
                arguments("/apiVersion", "v1", "apiVersion: must be vm.neon.tech/v1, got \"v1\""),
                arguments("/apiVersion", null, "apiVersion: required"),
                arguments("/kind", "Pod", "kind: must be VirtualMachine, got \"Pod\""),
                arguments("/kind", null, "kind: required"),
                arguments("/metadata", null, "metadata: required"),
                arguments("/metadata/name", null, "metadata.name: required"),
                arguments("/metadata/name", "Example", "metadata.name: must be a DNS-1123 label (lower-case letters, "
                        + "digits and '-', starting and ending with a letter or digit), got \"Example\""),
                arguments("/metadata/name", "a".repeat(64), "metadata.name: must be at most 63 characters, got 64"),
                arguments("/metadata/name", "-vm", null),
                arguments("/metadata/namespace", "Bad_ns", null),
                arguments("/spec", null, "spec: required"),
                arguments("/spec/guest", null, "spec.guest: required"),
                arguments("/spec/guest/cpus", null, "spec.guest.cpus: required"),
                arguments("/spec/guest/cpus/min", null, "spec.guest.cpus.min: required"),
                arguments("/spec/guest/cpus/use", null, "spec.guest.cpus.use: required"),
                arguments("/spec/guest/cpus/max", null, "spec.guest.cpus.max: required"),
                arguments("/spec/guest/cpus/min", 0, "spec.guest.cpus.min: must be greater than 0"),
                arguments("/spec/guest/cpus/use", "500m", "spec.guest.cpus.use: must be at least spec.guest.cpus.min "
                        + "(1), got 500m"),
                arguments("/spec/guest/cpus/use", 5, "spec.guest.cpus.use: must be at most spec.guest.cpus.max (4), "
                        + "got 5"),
                arguments("/spec/guest/cpus/max", "500m", "spec.guest.cpus.max: must be at least spec.guest.cpus.min "
                        + "(1), got 500m"),
                arguments("/spec/guest/cpus/max", "1500m", "spec.guest.cpus.use: must be at most spec.guest.cpus.max "
                        + "(1500m), got 2"),
                arguments("/spec/guest/memorySlotSize", "100Mi", "spec.guest.memorySlotSize: must be a multiple of 8Mi "
                        + "(the virtio-mem block size), got 100Mi"),
                arguments("/spec/guest/memorySlotSize", 0, "spec.guest.memorySlotSize: must be greater than 0"),
                arguments("/spec/guest/memorySlots", null, "spec.guest.memorySlots: required"),
                arguments("/spec/guest/memorySlots/min", null, "spec.guest.memorySlots.min: required"),
                arguments("/spec/guest/memorySlots/min", 0, "spec.guest.memorySlots.min: must be between 1 and 512, "
                        + "got 0"),
                arguments("/spec/guest/memorySlots/max", 513, "spec.guest.memorySlots.max: must be between 1 and 512, "
                        + "got 513"),
                arguments("/spec/guest/memorySlots/use", 5, "spec.guest.memorySlots.use: must be at most "
                        + "spec.guest.memorySlots.max (4), got 5"),
                arguments("/spec/guest/memorySlots/min", 3, "spec.guest.memorySlots.use: must be at least "
                        + "spec.guest.memorySlots.min (3), got 2"),
                arguments("/spec/guest/memorySlots/max", 1, "spec.guest.memorySlots.use: must be at most "
                        + "spec.guest.memorySlots.max (1), got 2"),
                arguments("/spec/guest/rootDisk", null, "spec.guest.rootDisk: required"),
                arguments("/spec/guest/rootDisk/image", null, "spec.guest.rootDisk.image: required"),
                arguments("/spec/guest/rootDisk/image", " ", "spec.guest.rootDisk.image: must not be empty"),
                arguments("/spec/qmp", 70000, "spec.qmp: must be between 1 and 65535, got 70000"),
                arguments("/spec/runnerPort", 0, "spec.runnerPort: must be between 1 and 65535, got 0"),
                arguments("/spec/terminationGracePeriodSeconds", -1, "spec.terminationGracePeriodSeconds: must be "
                        + "between 0 and 3600, got -1"),
                arguments("/spec/terminationGracePeriodSeconds", 3601, "spec.terminationGracePeriodSeconds: must be "
                        + "between 0 and 3600, got 3601"),
                arguments("/spec/guest/settings", Map.of("sysctl", List.of("vm.swappiness = 1", "vm.swappiness")),
                        "spec.guest.settings.sysctl[1]: must be \"name = value\" (e.g. \"vm.swappiness = 10\"), got "
                        + "\"vm.swappiness\""),
                arguments("/spec/guest/settings", Map.of("sysctl", List.of("../../etc/x = 1")),
                        "spec.guest.settings.sysctl[0]: must be \"name = value\" (e.g. \"vm.swappiness = 10\"), got "
                        + "\"../../etc/x = 1\""),
                arguments("/spec/guest/settings", Map.of("sysctl", List.of("kernel.x = a\nb")),
                        "spec.guest.settings.sysctl[0]: must be \"name = value\" (e.g. \"vm.swappiness = 10\"), got "
                        + "\"kernel.x = a?b\""),
                arguments("/spec/guest/settings", Map.of("sysctl", List.of("kernel.x = ")),
                        "spec.guest.settings.sysctl[0]: must be \"name = value\" (e.g. \"vm.swappiness = 10\"), got "
                        + "\"kernel.x = \""),
                arguments("/spec/guest/settings", Map.of("sysctl", List.of("kernel.x = " + "1".repeat(200))),
                        "spec.guest.settings.sysctl[0]: must be at most 200 characters, got 211"),
                arguments("/spec/guest/settings", Map.of("sysctl", java.util.Collections.nCopies(33, "vm.swappiness = 1")),
                        "spec.guest.settings.sysctl: at most 32 lines, got 33"),
                arguments("/spec/guest/memhpAutoMovableRatio", "30%", "spec.guest.memhpAutoMovableRatio: must be a "
                        + "whole number of percent (at most 9 digits), got \"30%\""),
                arguments("/spec/guest/memhpAutoMovableRatio", "1234567890", "spec.guest.memhpAutoMovableRatio: must be a "
                        + "whole number of percent (at most 9 digits), got \"1234567890\""),
                arguments("/spec/tolerations", Map.of("key", "x"), "spec.tolerations: expected a list"),
                arguments("/spec/affinity", List.of(), "spec.affinity: expected an object"),
                arguments("/spec/guest/env", List.of(Map.of("value", "x")), "spec.guest.env[0].name: required"),
                arguments("/spec/guest/env", List.of(Map.of("name", "")), "spec.guest.env[0].name: must not be empty"),
                arguments("/spec/guest/ports", List.of(Map.of("name", "a")), "spec.guest.ports[0].port: required"),
                arguments("/spec/guest/ports", List.of(Map.of("port", 0)), "spec.guest.ports[0].port: must be between "
                        + "1 and 65535, got 0"),
                arguments("/spec/guest/ports", List.of(Map.of("port", 1), Map.of("name", "qmp", "port", 2)),
                        "spec.guest.ports[1].name: 'qmp' is reserved"),
                arguments("/spec/guest/settings", Map.of("swap", "0"), "spec.guest.settings.swap: must be greater than 0"),
                arguments("/spec/guest/settings", Map.of("swap", "1025Ki"),
                        "spec.guest.settings.swap: must be a whole number of Mi between 1Mi and 1Ti, got 1025Ki"),
                arguments("/spec/guest/settings", Map.of("swap", "2Ti"),
                        "spec.guest.settings.swap: must be a whole number of Mi between 1Mi and 1Ti, got 2Ti"),
                arguments("/spec/disks", List.of(disk("rootdisk")), "spec.disks[0].name: 'rootdisk' is reserved"),
                arguments("/spec/disks", List.of(disk("a".repeat(33))), "spec.disks[0].name: must be at most 32 "
                        + "characters, got 33"),
                arguments("/spec/disks", List.of(disk("Data")), "spec.disks[0].name: must be a DNS-1123 label (lower-case "
                        + "letters, digits and '-', starting and ending with a letter or digit), got \"Data\""),
                arguments("/spec/disks", List.of(disk("d"), disk("d")), "spec.disks[1].name: duplicate disk name 'd'"),
                arguments("/spec/disks", List.of(Map.of("mountPath", "/x", "tmpfs", Map.of("size", "1Mi"))),
                        "spec.disks[0].name: required"),
                arguments("/spec/disks", List.of(Map.of("name", "d", "tmpfs", Map.of("size", "1Mi"))),
                        "spec.disks[0].mountPath: required"),
                arguments("/spec/disks", List.of(Map.of("name", "d", "mountPath", "/a:b", "tmpfs", Map.of("size", "1Mi"))),
                        "spec.disks[0].mountPath: must be a non-empty path without ':', got \"/a:b\""),
                arguments("/spec/disks", List.of(Map.of("name", "d", "mountPath", "/x")),
                        "spec.disks[0]: exactly one of emptyDisk, configMap, secret, tmpfs must be set, found 0"),
                arguments("/spec/disks", List.of(Map.of("name", "d", "mountPath", "/x", "tmpfs", Map.of("size", "1Mi"),
                        "secret", Map.of("secretName", "s"))),
                        "spec.disks[0]: exactly one of emptyDisk, configMap, secret, tmpfs must be set, found 2"),
                arguments("/spec/disks", List.of(Map.of("name", "d", "mountPath", "/x", "emptyDisk", Map.of())),
                        "spec.disks[0].emptyDisk.size: required"),
                arguments("/spec/disks", List.of(Map.of("name", "d", "mountPath", "/x", "tmpfs", Map.of("size", 0))),
                        "spec.disks[0].tmpfs.size: must be greater than 0"),
                arguments("/spec/disks", List.of(Map.of("name", "d", "mountPath", "/x", "configMap", "cm")),
                        "spec.disks[0].configMap: expected an object"),
                arguments("/spec/targetRevision", Map.of("revision", Map.of("value", 1, "flags", 0)),
                        "spec.targetRevision.updatedAt: required"),
                arguments("/spec/targetRevision", Map.of("revision", Map.of("value", 1), "updatedAt",
                        "2024-01-01T00:00:00Z"), "spec.targetRevision.revision.flags: required"));
    }

    private static Map<String, Object> disk(String name) {
        return Map.of("name", name, "mountPath", "/mnt/" + name, "emptyDisk", Map.of("size", "1Gi"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("createViolations")
    void shouldNameFieldWhenCreateRuleBroken(String pointer, Object value, String message) {
        VirtualMachine vm = TestVms.validWith(pointer, value);
        var e = assertThrows(InvalidSpecException.class, () -> VmValidator.validateCreate(vm));
        String field = pointer.substring(1).replace('/', '.');
        if (message == null) {
            assertEquals(field, e.field(), e.getMessage());
        } else {
            assertEquals(message, e.getMessage());
        }
    }

    @Test
    void shouldAcceptWhenVmIsValid() {
        assertDoesNotThrow(() -> VmValidator.validateCreate(TestVms.valid()));
        assertDoesNotThrow(() -> VmValidator.validateCreate(TestVms.validWith("/spec/disks", List.of(disk("data")))));
        // A well-formed configMap disk passes every rule above and is then refused: standalone has no Kubernetes API.
        var e = assertThrows(InvalidSpecException.class, () -> VmValidator.validateCreate(TestVms.validWith("/spec/disks",
                List.of(disk("data"), Map.of("name", "cfg", "mountPath", "/etc/cfg", "configMap", Map.of("name", "c"))))));
        assertEquals("spec.disks.configMap", e.field());
    }

    @Test
    void shouldAcceptFractionalCpusWhenWithinBounds() {
        VirtualMachine vm = TestVms.yaml(TestVms.VALID.replace("cpus: {min: 1, use: 2, max: 4}",
                "cpus: {min: 0.25, use: \"500m\", max: 1.25}"));
        assertDoesNotThrow(() -> VmValidator.validateCreate(vm));
        assertEquals(new MilliCpu(1250), vm.spec().guest().cpus().max());
    }

    @Test
    void shouldAllowUseChangeWhenUpdating() {
        VirtualMachine old = TestVms.valid();
        VirtualMachine updated = old.withGuest(old.spec().guest().withCpusUse(MilliCpu.ofCpus(4))
                .withMemorySlotsUse(1));
        assertDoesNotThrow(() -> VmValidator.validateUpdate(old, updated));
    }

    static Stream<Arguments> immutableChanges() {
        return Stream.of(
                arguments("/spec/guest/cpus/min", "500m", "spec.guest.cpus.min: is immutable"),
                arguments("/spec/guest/cpus/max", 8, "spec.guest.cpus.max: is immutable"),
                arguments("/spec/guest/memorySlots/min", 2, "spec.guest.memorySlots.min: is immutable"),
                arguments("/spec/guest/memorySlots/max", 8, "spec.guest.memorySlots.max: is immutable"),
                arguments("/spec/guest/memorySlotSize", "512Mi", "spec.guest.memorySlotSize: is immutable"),
                arguments("/spec/guest/kernelImage", "k", "spec.guest.kernelImage: is immutable"),
                arguments("/spec/guest/appendKernelCmdline", "quiet", "spec.guest.appendKernelCmdline: is immutable"),
                arguments("/spec/guest/rootDisk", Map.of("image", "other"), "spec.guest.rootDisk: is immutable"),
                arguments("/spec/guest/command", List.of("/bin/sh"), "spec.guest.command: is immutable"),
                arguments("/spec/guest/args", List.of("-c"), "spec.guest.args: is immutable"),
                arguments("/spec/guest/env", List.of(Map.of("name", "A")), "spec.guest.env: is immutable"),
                arguments("/spec/guest/ports", List.of(Map.of("port", 5432)), "spec.guest.ports: is immutable"),
                arguments("/spec/guest/settings", Map.of("sysctl", List.of("a=b")), "spec.guest.settings: is immutable"),
                arguments("/spec/disks", List.of(disk("d")), "spec.disks: is immutable"),
                arguments("/spec/podResources", Map.of(), "spec.podResources: is immutable"),
                arguments("/spec/enableAcceleration", false, "spec.enableAcceleration: is immutable"),
                arguments("/spec/enableSSH", false, "spec.enableSSH: is immutable"),
                arguments("/spec/initScript", "echo", "spec.initScript: is immutable"),
                arguments("/spec/enableNetworkMonitoring", true, "spec.enableNetworkMonitoring: is immutable"),
                arguments("/metadata/name", "other", "metadata.name: is immutable"),
                arguments("/spec/cpuScalingMode", "SysfsScaling", "spec.cpuScalingMode: cannot be changed once it is set"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("immutableChanges")
    void shouldRejectUpdateWhenImmutableFieldChanges(String pointer, Object value, String message) {
        VirtualMachine old = TestVms.valid();
        VirtualMachine updated = TestVms.validWith(pointer, value);
        var e = assertThrows(InvalidSpecException.class, () -> VmValidator.validateUpdate(old, updated));
        assertEquals(message, e.getMessage());
    }

    @Test
    void shouldAllowSetOnceFieldWhenPreviouslyAbsent() {
        VirtualMachine old = TestVms.valid();
        VirtualMachine amd = TestVms.validWith("/spec/targetArchitecture", "amd64");
        assertDoesNotThrow(() -> VmValidator.validateUpdate(old, amd));
        var e = assertThrows(InvalidSpecException.class, () -> VmValidator.validateUpdate(amd,
                TestVms.validWith("/spec/targetArchitecture", "arm64")));
        assertEquals("spec.targetArchitecture: cannot be changed once it is set", e.getMessage());
        assertThrows(InvalidSpecException.class, () -> VmValidator.validateUpdate(amd, old));
    }

    @Test
    void shouldTreatDefaultedAndExplicitAsSameWhenUpdating() {
        VirtualMachine old = TestVms.valid();
        VirtualMachine explicit = TestVms.validWith("/spec/enableSSH", true);
        assertDoesNotThrow(() -> VmValidator.validateUpdate(old, explicit));
        assertDoesNotThrow(() -> VmValidator.validateUpdate(VmDefaults.apply(old), old));
    }

    @Test
    void shouldRejectUpdateWhenUseLeavesBounds() {
        VirtualMachine old = TestVms.valid();
        var e = assertThrows(InvalidSpecException.class, () -> VmValidator.validateUpdate(old,
                old.withGuest(old.spec().guest().withMemorySlotsUse(9))));
        assertEquals("spec.guest.memorySlots.use: must be at most spec.guest.memorySlots.max (4), got 9",
                e.getMessage());
    }
}
