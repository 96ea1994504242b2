package io.vmflex.api.validation;

import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.VirtualMachine;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PatchesTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReplaceCpuUseWhenJsonPatchApplied() {
        VirtualMachine vm = TestVms.valid();
        VirtualMachine patched = Patches.jsonPatch(vm, bytes(
                "[{\"op\":\"test\",\"path\":\"/spec/guest/cpus/use\",\"value\":2},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":\"1500m\"}]"));
        assertEquals(new MilliCpu(1500), patched.spec().guest().cpus().use());
        assertEquals(vm.spec().guest().withCpusUse(new MilliCpu(1500)), patched.spec().guest());
        VmValidator.validateUpdate(vm, patched);
    }

    @Test
    void shouldNameOperationWhenPathMissing() {
        var e = assertThrows(InvalidSpecException.class, () -> Patches.jsonPatch(TestVms.valid(), bytes(
                "[{\"op\":\"replace\",\"path\":\"/spec/guest/nope/use\",\"value\":1}]")));
        assertTrue(e.getMessage().startsWith("patch operation 0 (replace /spec/guest/nope/use): "), e.getMessage());
        assertTrue(e.getMessage().contains("no such path"), e.getMessage());
    }

    @Test
    void shouldFailCleanlyWhenTestOperationFails() {
        var e = assertThrows(InvalidSpecException.class, () -> Patches.jsonPatch(TestVms.valid(), bytes(
                "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":3},"
                        + "{\"op\":\"test\",\"path\":\"/spec/guest/cpus/use\",\"value\":1}]")));
        assertTrue(e.getMessage().startsWith("patch operation 1 (test /spec/guest/cpus/use): "), e.getMessage());
    }

    @Test
    void shouldRejectWhenOperationMalformed() {
        var e = assertThrows(InvalidSpecException.class, () -> Patches.jsonPatch(TestVms.valid(), bytes(
                "[{\"op\":\"frobnicate\",\"path\":\"/spec\"}]")));
        assertTrue(e.getMessage().startsWith("patch operation 0 (frobnicate /spec): not a valid operation"),
                e.getMessage());
        var notList = assertThrows(InvalidSpecException.class, () -> Patches.jsonPatch(TestVms.valid(), bytes("{}")));
        assertEquals("a JSON patch must be a list of operations", notList.getMessage());
        var badJson = assertThrows(InvalidSpecException.class, () -> Patches.jsonPatch(TestVms.valid(), bytes("[")));
        assertTrue(badJson.getMessage().startsWith("malformed JSON patch: "), badJson.getMessage());
    }

    @Test
    void shouldNameFieldWhenJsonPatchSetsWrongType() {
        var e = assertThrows(InvalidSpecException.class, () -> Patches.jsonPatch(TestVms.valid(), bytes(
                "[{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/use\",\"value\":\"three\"}]")));
        assertEquals("spec.guest.memorySlots.use: expected an integer, got \"three\"", e.getMessage());
        var unknown = assertThrows(InvalidSpecException.class, () -> Patches.jsonPatch(TestVms.valid(), bytes(
                "[{\"op\":\"add\",\"path\":\"/spec/guest/cpus/typo\",\"value\":1}]")));
        assertEquals("spec.guest.cpus.typo: unknown field", unknown.getMessage());
    }

    @Test
    void shouldMergeFieldsWhenMergePatchApplied() {
        VirtualMachine vm = TestVms.valid();
        VirtualMachine patched = Patches.mergePatch(vm, bytes(
                "{\"spec\":{\"guest\":{\"cpus\":{\"use\":3},\"memorySlots\":{\"use\":4}},"
                        + "\"restartPolicy\":\"Never\"},\"metadata\":{\"labels\":{\"a\":\"b\"}}}"));
        assertEquals(MilliCpu.ofCpus(3), patched.spec().guest().cpus().use());
        assertEquals(MilliCpu.ofCpus(1), patched.spec().guest().cpus().min());
        assertEquals(4, patched.spec().guest().memorySlots().use());
        assertEquals("b", patched.metadata().labels().get("a"));
        assertEquals(vm.spec().guest().rootDisk(), patched.spec().guest().rootDisk());
        VmValidator.validateUpdate(vm, patched);
    }

    @Test
    void shouldRemoveFieldWhenMergePatchSetsNull() {
        VirtualMachine patched = Patches.mergePatch(TestVms.valid(), bytes("{\"spec\":{\"guest\":{\"rootDisk\":{\"size\":null}}}}"));
        assertNull(patched.spec().guest().rootDisk().size());
    }

    @Test
    void shouldNameFieldWhenMergePatchSetsWrongType() {
        var e = assertThrows(InvalidSpecException.class, () -> Patches.mergePatch(TestVms.valid(),
                bytes("{\"spec\":{\"guest\":{\"cpus\":{\"use\":[1]}}}}")));
        assertTrue(e.getMessage().startsWith("spec.guest.cpus.use: expected a CPU amount"), e.getMessage());
        var notObject = assertThrows(InvalidSpecException.class, () -> Patches.mergePatch(TestVms.valid(), bytes("[]")));
        assertEquals("a merge patch must be a JSON object", notObject.getMessage());
    }

    @Test
    void shouldRejectImmutableChangeWhenPatchedVmValidated() {
        VirtualMachine vm = TestVms.valid();
        VirtualMachine patched = Patches.mergePatch(vm, bytes("{\"spec\":{\"guest\":{\"memorySlotSize\":\"2Gi\"}}}"));
        var e = assertThrows(InvalidSpecException.class, () -> VmValidator.validateUpdate(vm, patched));
        assertEquals("spec.guest.memorySlotSize: is immutable", e.getMessage());
    }
}
