package io.vmflex.kube.crd;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineMigrationSpec;
import io.vmflex.api.vm.VirtualMachineMigrationStatus;
import io.vmflex.api.vm.VirtualMachineSpec;
import io.vmflex.api.vm.VirtualMachineStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CRDs as the build generates them: names, scope, subresource, columns, and a type on every field. */
class CrdSchemaTest {

    private static JsonNode crd;
    private static JsonNode version;
    private static JsonNode migrations;

    @BeforeAll
    static void load() throws IOException {
        crd = generated("virtualmachines.vm.neon.tech");
        version = crd.path("spec").path("versions").get(0);
        migrations = generated("virtualmachinemigrations.vm.neon.tech");
    }

    private static JsonNode generated(String name) throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(CommittedCrdsTest.GENERATED.resolve(name + "-v1.yml").toFile());
    }

    @Test
    void migrationsAreNeonVmmsWithEveryFieldTyped() {
        JsonNode names = migrations.path("spec").path("names");
        assertEquals("VirtualMachineMigration", names.path("kind").asText());
        assertEquals("virtualmachinemigrations", names.path("plural").asText());
        assertEquals("neonvmm", names.path("singular").asText());
        assertEquals("Namespaced", migrations.path("spec").path("scope").asText());
        JsonNode v1 = migrations.path("spec").path("versions").get(0);
        assertTrue(v1.path("subresources").has("status"), "status subresource");
        assertEquals(List.of("VM", "Source", "Target", "Status", "DowntimeMs", "Age", "RamBytes", "TotalMs", "Message"),
                PrinterColumnOrder.declared(NeonVmm.class));
        JsonNode root = v1.path("schema").path("openAPIV3Schema");
        List<String> problems = new ArrayList<>();
        walk(VirtualMachineMigrationSpec.class, root.path("properties").path("spec"), "spec", problems);
        walk(VirtualMachineMigrationStatus.class, root.path("properties").path("status"), "status", problems);
        checkTyped(root, "", problems);
        assertEquals(List.of(), problems, "model fields missing from the schema, or schema nodes without a usable type");
    }

    @Test
    void namesScopeAndStatusSubresourceAreNeonVms() {
        JsonNode names = crd.path("spec").path("names");
        assertEquals("vm.neon.tech", crd.path("spec").path("group").asText());
        assertEquals("VirtualMachine", names.path("kind").asText());
        assertEquals("virtualmachines", names.path("plural").asText());
        assertEquals("neonvm", names.path("singular").asText());
        assertEquals("Namespaced", crd.path("spec").path("scope").asText());
        assertEquals("v1", version.path("name").asText());
        assertTrue(version.path("served").asBoolean() && version.path("storage").asBoolean());
        assertTrue(version.path("subresources").has("status"), "status subresource");
    }

    @Test
    void printerColumnsAreNeonVmsInTheirOrder() {
        assertEquals(List.of("Cpus", "Memory", "Pod", "ExtraIP", "Status", "Restarts", "Age",
                        "Node", "Image", "CPUScalingMode", "TargetArchitecture"),
                PrinterColumnOrder.declared(NeonVm.class));
        List<String> wideOnly = new ArrayList<>();
        version.path("additionalPrinterColumns").forEach(c -> {
            if (c.path("priority").asInt() > 0) {
                wideOnly.add(c.path("name").asText());
            }
        });
        assertEquals(Set.of("Node", "Image", "CPUScalingMode", "TargetArchitecture"), Set.copyOf(wideOnly));
    }

    /** Every field of the model is in the schema: the API server would otherwise prune it. */
    @Test
    void everyFieldOfTheModelIsInTheSchema() {
        JsonNode root = version.path("schema").path("openAPIV3Schema").path("properties");
        List<String> missing = new ArrayList<>();
        walk(VirtualMachineSpec.class, root.path("spec"), "spec", missing);
        walk(VirtualMachineStatus.class, root.path("status"), "status", missing);
        assertEquals(List.of(), missing, "model fields without a schema");
    }

    /** No field is an opaque object: each has a type, is an int-or-string, or is declared free-form on purpose. */
    @Test
    void everySchemaNodeIsTyped() {
        List<String> untyped = new ArrayList<>();
        checkTyped(version.path("schema").path("openAPIV3Schema"), "", untyped);
        assertEquals(List.of(), untyped, "schema nodes without a usable type");
    }

    @Test
    void quantitiesAreIntOrString() {
        JsonNode spec = version.path("schema").path("openAPIV3Schema").path("properties").path("spec").path("properties");
        JsonNode guest = spec.path("guest").path("properties");
        for (JsonNode node : List.of(guest.path("cpus").path("properties").path("use"), guest.path("memorySlotSize"),
                guest.path("rootDisk").path("properties").path("size"))) {
            assertTrue(node.path("x-kubernetes-int-or-string").asBoolean(), node.toString());
        }
    }

    private static void checkTyped(JsonNode schema, String path, List<String> untyped) {
        if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean() || schema.path("x-kubernetes-int-or-string").asBoolean()) {
            return;
        }
        String type = schema.path("type").asText("");
        boolean opaqueObject = type.equals("object") && !schema.has("properties") && !schema.has("additionalProperties");
        if (type.isEmpty() || opaqueObject) {
            untyped.add(path.isEmpty() ? "(root)" : path);
            return;
        }
        for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
            checkTyped(property.getValue(), path + "." + property.getKey(), untyped);
        }
        if (schema.has("items")) {
            checkTyped(schema.get("items"), path + "[]", untyped);
        }
        if (schema.path("additionalProperties").isObject()) {
            checkTyped(schema.get("additionalProperties"), path + "{}", untyped);
        }
    }

    private static void walk(Class<?> record, JsonNode schema, String path, List<String> missing) {
        for (RecordComponent c : record.getRecordComponents()) {
            JsonProperty renamed = c.getAccessor().getAnnotation(JsonProperty.class);
            String name = renamed != null ? renamed.value() : c.getName();
            JsonNode field = schema.path("properties").path(name);
            if (field.isMissingNode()) {
                missing.add(path + "." + name);
                continue;
            }
            Class<?> type = elementType(c.getGenericType());
            boolean leaf = type == MilliCpu.class || type == ByteQuantity.class;
            if (type.isRecord() && !leaf && type.getPackageName().equals(VirtualMachine.class.getPackageName())) {
                walk(type, field.has("items") ? field.get("items") : field, path + "." + name, missing);
            }
        }
    }

    private static Class<?> elementType(Type t) {
        if (t instanceof ParameterizedType p && p.getRawType() == List.class) {
            return (Class<?>) p.getActualTypeArguments()[0];
        }
        return t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
    }
}
