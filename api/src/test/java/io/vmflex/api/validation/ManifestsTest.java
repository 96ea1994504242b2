package io.vmflex.api.validation;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.CpuArchitecture;
import io.vmflex.api.vm.CpuScalingMode;
import io.vmflex.api.vm.ImagePullPolicy;
import io.vmflex.api.vm.MemoryProvider;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.RestartPolicy;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VmPhase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestsTest {

    private static InvalidSpecException parseFails(String yaml) {
        return assertThrows(InvalidSpecException.class, () -> TestVms.yaml(yaml));
    }

    private static String validWithGuestLine(String from, String to) {
        assertTrue(TestVms.VALID.contains(from), from);
        return TestVms.VALID.replace(from, to);
    }

    @Test
    void shouldReadEveryFieldWhenNeonVmManifestIsParsed() {
        VirtualMachine vm = Manifests.parse(TestVms.resource("neonvm-full.yaml"), true);

        assertEquals("example", vm.name());
        assertEquals("default", vm.metadata().namespace());
        assertEquals("true", vm.metadata().labels().get("autoscaling.neon.tech/enabled"));
        assertNull(vm.metadata().creationTimestamp());
        var spec = vm.spec();
        assertEquals(RestartPolicy.OnFailure, spec.restartPolicy());
        assertEquals(CpuScalingMode.SysfsScaling, spec.cpuScalingMode());
        assertEquals(CpuArchitecture.AMD64, spec.targetArchitecture());
        assertEquals(10L, spec.terminationGracePeriodSeconds());
        assertEquals(false, spec.enableSsh());
        assertEquals("vms", spec.tolerations().get(0).get("value").asText());
        assertEquals("In", spec.affinity().at("/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution"
                + "/nodeSelectorTerms/0/matchExpressions/0/operator").asText());
        assertEquals("registry-creds", spec.imagePullSecrets().getFirst().name());
        assertEquals(123L, spec.targetRevision().revision().value());
        assertEquals(Instant.parse("2006-01-02T15:04:05Z"), spec.targetRevision().updatedAt());
        var guest = spec.guest();
        assertEquals(new MilliCpu(250), guest.cpus().min());
        assertEquals(MilliCpu.ofCpus(1), guest.cpus().use());
        assertEquals(MilliCpu.ofCpus(1), guest.cpus().max());
        assertEquals(ByteQuantity.ofGibibytes(1), guest.memorySlotSize());
        assertEquals(5, guest.memorySlots().max());
        assertEquals(MemoryProvider.VirtioMem, guest.memoryProvider());
        assertEquals("vm-postgres:15-bullseye", guest.rootDisk().image());
        assertEquals(ByteQuantity.ofGibibytes(8), guest.rootDisk().size());
        assertEquals(ImagePullPolicy.Always, guest.rootDisk().imagePullPolicy());
        assertEquals(List.of("/bin/sh"), guest.command());
        assertNull(guest.env().get(1).value());
        assertEquals(10301, guest.ports().get(2).port());
        assertEquals(ByteQuantity.ofGibibytes(1), guest.settings().swap());
        assertEquals(true, spec.extraNetwork().enable());
        assertEquals(4, spec.disks().size());
        assertEquals(ByteQuantity.ofGibibytes(16), spec.disks().get(0).emptyDisk().size());
        assertEquals("example-config", spec.disks().get(1).configMap().get("name").asText());
        assertEquals(ByteQuantity.ofGibibytes(1), spec.disks().get(3).tmpfs().size());
        assertEquals("24h", spec.tls().expireAfter());
        assertEquals(VmPhase.Running, vm.status().phase());
        assertEquals(new MilliCpu(250), vm.status().cpus());
        assertEquals("True", vm.status().conditions().getFirst().status());
        // Every field parses; the ones vmflex does not do are refused by name at apply.
        var refused = assertThrows(InvalidSpecException.class, () -> VmValidator.validateCreate(vm));
        assertTrue(refused.getMessage().startsWith("not supported by vmflex: spec."), refused.getMessage());
    }

    @Test
    void shouldGiveEqualVmWhenWrittenAsJsonAndParsedAgain() {
        VirtualMachine vm = Manifests.parse(TestVms.resource("neonvm-full.yaml"), true);
        byte[] json = Manifests.toJson(vm);
        assertEquals(vm, Manifests.parse(json, false));
        String text = new String(json, StandardCharsets.UTF_8);
        assertTrue(text.contains("\"min\":\"250m\""), text);
        assertTrue(text.contains("\"use\":1,"), text);
        assertTrue(text.contains("\"memorySlotSize\":\"1Gi\""), text);
        assertTrue(text.contains("\"updatedAt\":\"2006-01-02T15:04:05Z\""), text);
        assertFalse(text.contains("null"), text);
        assertTrue(text.startsWith("{\"apiVersion\":\"vm.neon.tech/v1\",\"kind\":\"VirtualMachine\",\"metadata\""), text);
    }

    @Test
    void shouldGiveEqualVmWhenWrittenAsYamlAndParsedAgain() {
        VirtualMachine vm = Manifests.parse(TestVms.resource("neonvm-full.yaml"), true);
        String yaml = Manifests.toYaml(vm);
        assertEquals(vm, TestVms.yaml(yaml));
        assertTrue(yaml.contains("value: \"801\"") || yaml.contains("memhpAutoMovableRatio: \"801\""), yaml);
    }

    @Test
    void shouldNameFieldWhenUnknownFieldPresent() {
        var e = parseFails(validWithGuestLine("    rootDisk:", "    foo: 1\n    rootDisk:"));
        assertEquals("spec.guest.foo", e.field());
        assertEquals("spec.guest.foo: unknown field", e.getMessage());
    }

    @Test
    void shouldNameFieldWhenUnknownTopLevelFieldPresent() {
        var e = parseFails(TestVms.VALID + "extra: true\n");
        assertEquals("extra: unknown field", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "memorySlots: {min: 1, use: 2, max: 4}|memorySlots: {min: abc, use: 2, max: 4}|spec.guest.memorySlots.min: expected an integer, got \"abc\"",
        "memorySlots: {min: 1, use: 2, max: 4}|memorySlots: {min: \"1\", use: 2, max: 4}|spec.guest.memorySlots.min: expected an integer, got \"1\"",
        "memorySlots: {min: 1, use: 2, max: 4}|memorySlots: {min: 1.5, use: 2, max: 4}|spec.guest.memorySlots.min: expected an integer, got 1.5",
        "memorySlots: {min: 1, use: 2, max: 4}|memorySlots: {min: true, use: 2, max: 4}|spec.guest.memorySlots.min: expected an integer, got true",
        "memorySlots: {min: 1, use: 2, max: 4}|memorySlots: [1, 2]|spec.guest.memorySlots: expected an object, got a list",
        "cpus: {min: 1, use: 2, max: 4}|cpus: {min: 1, use: abc, max: 4}|spec.guest.cpus.use: expected a CPU amount such as 1, 0.5 or \"250m\", got \"abc\"",
        "cpus: {min: 1, use: 2, max: 4}|cpus: {min: 1, use: -1, max: 4}|spec.guest.cpus.use: CPU amount must not be negative, got -1",
        "cpus: {min: 1, use: 2, max: 4}|cpus: {min: 1, use: true, max: 4}|spec.guest.cpus.use: expected a CPU amount such as 1, 0.5 or \"250m\", got true",
        "memorySlotSize: 1Gi|memorySlotSize: 1GB|spec.guest.memorySlotSize: expected a quantity such as \"1Gi\", \"512M\" or a number of bytes, got \"1GB\"",
        "image: \"vm-postgres:15-bullseye\"|image: 15|spec.guest.rootDisk.image: expected a string, got 15",
        "image: \"vm-postgres:15-bullseye\"|image: [a]|spec.guest.rootDisk.image: expected a string, got a list",
        "name: example|name: {a: b}|metadata.name: expected a string, got an object",
    })
    void shouldNameFieldWhenValueHasWrongType(String from, String to, String message) {
        var e = parseFails(validWithGuestLine(from, to));
        assertEquals(message, e.getMessage());
    }

    @Test
    void shouldListAllowedValuesWhenEnumValueUnknown() {
        var e = parseFails(TestVms.VALID.replace("spec:\n", "spec:\n  restartPolicy: always\n"));
        assertEquals("spec.restartPolicy: expected one of [Always, OnFailure, Never], got \"always\"", e.getMessage());
        var arch = parseFails(TestVms.VALID.replace("spec:\n", "spec:\n  targetArchitecture: x86\n"));
        assertEquals("spec.targetArchitecture: expected one of [amd64, arm64], got \"x86\"", arch.getMessage());
    }

    @Test
    void shouldNameIndexWhenListElementIsWrong() {
        var e = parseFails(TestVms.VALID + "    env:\n      - {name: A, value: x}\n      - {name: B, value: 1}\n");
        assertEquals("spec.guest.env[1].value: expected a string, got 1", e.getMessage());
        var n = parseFails(TestVms.VALID + "    args: [a, null]\n");
        assertEquals("spec.guest.args[1]: must not be null", n.getMessage());
    }

    @Test
    void shouldRejectDuplicateKeyWhenPresent() {
        var e = assertThrows(InvalidSpecException.class, () -> Manifests.parse(
                "{\"apiVersion\":\"vm.neon.tech/v1\",\"kind\":\"VirtualMachine\",\"kind\":\"VirtualMachine\"}"
                        .getBytes(StandardCharsets.UTF_8), false));
        assertTrue(e.getMessage().contains("Duplicate field 'kind'"), e.getMessage());
    }

    @Test
    void shouldReportLocationWhenJsonIsMalformed() {
        var e = assertThrows(InvalidSpecException.class, () -> Manifests.parse(
                "{\"apiVersion\": \"vm.neon.tech/v1\",\n \"kind\": }".getBytes(StandardCharsets.UTF_8), false));
        assertTrue(e.getMessage().startsWith("kind: malformed JSON: "), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void shouldRejectEmptyOrNonObjectDocumentWhenParsed() {
        assertEquals("empty document", assertThrows(InvalidSpecException.class,
                () -> Manifests.parse(new byte[0], false)).getMessage());
        assertEquals("expected a VirtualMachine object, got null", assertThrows(InvalidSpecException.class,
                () -> Manifests.parse("null".getBytes(StandardCharsets.UTF_8), false)).getMessage());
        assertEquals("expected an object, got a list", assertThrows(InvalidSpecException.class,
                () -> Manifests.parse("[]".getBytes(StandardCharsets.UTF_8), false)).getMessage());
    }

    @Test
    void shouldRejectSecondDocumentWhenSingleParseGetsTwo() {
        var e = parseFails(TestVms.VALID + "---\n" + TestVms.VALID);
        assertEquals("expected one YAML document, found more (parse them with parseAll)", e.getMessage());
        var json = assertThrows(InvalidSpecException.class, () -> Manifests.parse(
                (new String(Manifests.toJson(TestVms.valid()), StandardCharsets.UTF_8) + " {}")
                        .getBytes(StandardCharsets.UTF_8), false));
        assertEquals("unexpected content after the JSON object", json.getMessage());
    }

    @Test
    void shouldReturnOnlyVirtualMachinesWhenMultiDocumentYamlParsed() {
        String text = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: example-config}
                data: {a: b}
                ---
                """ + TestVms.VALID + "---\n" + TestVms.VALID.replace("name: example", "name: second") + "---\n";
        List<VirtualMachine> vms = Manifests.parseAll(text.getBytes(StandardCharsets.UTF_8), true);
        assertEquals(List.of("example", "second"), vms.stream().map(VirtualMachine::name).toList());
    }

    @Test
    void shouldNameDocumentWhenOneOfManyIsBad() {
        String text = TestVms.VALID + "---\n" + TestVms.VALID.replace("use: 2, max: 4}\n    rootDisk",
                "use: x, max: 4}\n    rootDisk");
        var e = assertThrows(InvalidSpecException.class,
                () -> Manifests.parseAll(text.getBytes(StandardCharsets.UTF_8), true));
        assertEquals("document 2: spec.guest.memorySlots.use: expected an integer, got \"x\"", e.getMessage());
        assertEquals("spec.guest.memorySlots.use", e.field());
    }

    @Test
    void shouldReadItemsWhenJsonListGiven() {
        String one = new String(Manifests.toJson(TestVms.valid()), StandardCharsets.UTF_8);
        String list = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + one + "," + one + "]}";
        assertEquals(2, Manifests.parseAll(list.getBytes(StandardCharsets.UTF_8), false).size());
    }

    @Test
    void shouldFailWhenNoVirtualMachineInStream() {
        var e = assertThrows(InvalidSpecException.class, () -> Manifests.parseAll(
                "kind: Service\n".getBytes(StandardCharsets.UTF_8), true));
        assertEquals("no VirtualMachine document found", e.getMessage());
    }
}
