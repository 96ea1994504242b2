package io.vmflex.api.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineSpec;
import org.junit.jupiter.api.Test;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FieldSupportTest {

    /**
     * Every field of the spec model is used, ignored or refused: a field added to the model without a
     * decision fails here (and would be refused at apply as "not known to this vmflex").
     */
    @Test
    void shouldDecideEveryFieldOfTheModel() {
        Set<String> paths = new TreeSet<>();
        collect(VirtualMachineSpec.class, "spec", paths);
        Map<String, FieldSupport.Support> table = FieldSupport.table();
        List<String> undecided = new ArrayList<>();
        for (String path : paths) {
            if (!decided(path, table)) {
                undecided.add(path);
            }
        }
        assertEquals(List.of(), undecided, "fields neither used, ignored nor refused");
        List<String> stale = table.keySet().stream().filter(p -> !p.equals("spec") && !paths.contains(p)).toList();
        assertEquals(List.of(), stale, "table entries the model does not have");
    }

    /** Decided when the table names it, or names an ancestor whose fields are not looked at one by one. */
    private static boolean decided(String path, Map<String, FieldSupport.Support> table) {
        if (table.containsKey(path)) {
            return true;
        }
        for (int dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
            FieldSupport.Support parent = table.get(path.substring(0, dot));
            if (parent != null) {
                return !(parent instanceof FieldSupport.Used u && u.descend());
            }
        }
        return false;
    }

    private static void collect(Class<?> record, String prefix, Set<String> out) {
        for (RecordComponent c : record.getRecordComponents()) {
            JsonProperty renamed = c.getAccessor().getAnnotation(JsonProperty.class);
            String path = prefix + "." + (renamed != null ? renamed.value() : c.getName());
            out.add(path);
            Class<?> type = elementType(c.getGenericType());
            if (type.isRecord() && type.getPackageName().equals(VirtualMachine.class.getPackageName())) {
                collect(type, path, out);
            }
        }
    }

    private static Class<?> elementType(Type t) {
        if (t instanceof ParameterizedType p && p.getRawType() == List.class) {
            return (Class<?>) p.getActualTypeArguments()[0];
        }
        return t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
    }

    @Test
    void shouldRefuseWhatVmflexDoesNotDoByPath() {
        var configMap = assertThrows(InvalidSpecException.class, () -> VmValidator.validateCreate(
                TestVms.validWith("/spec/disks", List.of(Map.of("name", "data", "mountPath", "/data",
                        "emptyDisk", Map.of("size", "1Gi")), Map.of("name", "cfg", "mountPath", "/etc/cfg",
                        "configMap", Map.of("name", "c"))))));
        assertEquals("not supported by vmflex: spec.disks.configMap (configMap disks need the Kubernetes API (cluster mode))",
                configMap.getMessage());
        assertEquals("spec.disks.configMap", configMap.field());
        var secret = assertThrows(InvalidSpecException.class, () -> VmValidator.validateCreate(
                TestVms.validWith("/spec/disks", List.of(Map.of("name", "s", "mountPath", "/etc/s",
                        "secret", Map.of("secretName", "s"))))));
        assertEquals("spec.disks.secret", secret.field());
        var quotas = assertThrows(InvalidSpecException.class, () -> VmValidator.validateCreate(
                TestVms.validWith("/spec/disks", List.of(Map.of("name", "data", "mountPath", "/data",
                        "emptyDisk", Map.of("size", "1Gi", "enableQuotas", true))))));
        assertTrue(quotas.getMessage().startsWith("not supported by vmflex: spec.disks.emptyDisk.enableQuotas = true"),
                quotas.getMessage());
    }

    @Test
    void shouldAcceptWhatVmflexDoesAndEmptyLists() {
        assertDoesNotThrow(() -> VmValidator.validateCreate(TestVms.validWith("/spec/cpuScalingMode", "QmpScaling")));
        assertDoesNotThrow(() -> VmValidator.validateCreate(TestVms.validWith("/spec/cpuScalingMode", "SysfsScaling")));
        assertDoesNotThrow(() -> VmValidator.validateCreate(TestVms.validWith("/spec/disks", List.of())));
        assertDoesNotThrow(() -> VmValidator.validateCreate(TestVms.validWith("/spec/disks", List.of(
                Map.of("name", "data", "mountPath", "/data", "emptyDisk", Map.of("size", "1Gi", "discard", true,
                        "enableQuotas", false)),
                Map.of("name", "scratch", "mountPath", "/scratch", "readOnly", false, "tmpfs", Map.of("size", "64Mi"))))));
        assertDoesNotThrow(() -> VmValidator.validateCreate(TestVms.validWith("/spec/enableAcceleration", false)));
        assertDoesNotThrow(() -> VmValidator.validateCreate(
                TestVms.validWith("/spec/guest/settings", Map.of("sysctl", List.of("vm.swappiness=1")))));
        assertDoesNotThrow(() -> VmValidator.validateCreate(TestVms.validWith("/spec/guest/memhpAutoMovableRatio", "301")));
        assertDoesNotThrow(() -> VmValidator.validateCreate(
                TestVms.validWith("/spec/guest/settings", Map.of("sysctl", List.of("vm.swappiness=1"), "swap", "1Gi"))));
    }

    @Test
    void shouldNameIgnoredFieldsButNotTheirDefaults() {
        VirtualMachine defaults = VmDefaults.apply(TestVms.valid());
        assertEquals(List.of(), FieldSupport.ignored(defaults),
                "qmp, runnerPort, enableSSH... at NeonVM's defaults are not news; rootDisk.size is used");
        VirtualMachine pod = VmDefaults.apply(TestVms.validWith("/spec/podResources", Map.of("limits", Map.of())));
        assertTrue(FieldSupport.ignored(pod).contains("spec.podResources: only a Kubernetes pod uses it"),
                FieldSupport.ignored(pod).toString());
        VirtualMachine grace = VmDefaults.apply(TestVms.validWith("/spec/terminationGracePeriodSeconds", 30));
        assertTrue(FieldSupport.ignored(grace).stream().noneMatch(f -> f.startsWith("spec.terminationGracePeriodSeconds")),
                "a delete waits for the guest's shutdown: the field is used");
        VirtualMachine watched = VmDefaults.apply(TestVms.validWith("/spec/disks", List.of(Map.of("name", "d",
                "mountPath", "/d", "watch", true, "tmpfs", Map.of("size", "1Mi")))));
        assertTrue(FieldSupport.ignored(watched).contains("spec.disks.watch: only configMap and secret disks are re-synced"),
                FieldSupport.ignored(watched).toString());
    }
}
