package io.vmflex.kube.crd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/crds/ holds the CRDs the build generates (fabric8's crd-generator over the CustomResource
 * classes, columns put back in declared order). This fails when the committed copy drifts from the
 * model; {@code -Dvmflex.writeCrds=true} rewrites it.
 */
class CommittedCrdsTest {

    private static final String HEADER = "# Generated from kube/src/main/java/io/vmflex/kube/crd/%s.java by fabric8's crd-generator\n"
            + "# (printer columns in declared order). Do not edit: ./mvnw -pl kube test -Dtest=CommittedCrdsTest -Dvmflex.writeCrds=true\n";

    static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
    static final Path COMMITTED = Path.of("../deploy/crds");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));

    /** The CRD text deploy/crds/ must hold for a resource class, from the build's generated file. */
    static String expected(String crdName, Class<?> resource) throws IOException {
        ObjectNode crd = (ObjectNode) YAML.readTree(GENERATED.resolve(crdName + "-v1.yml").toFile());
        PrinterColumnOrder.apply(crd, resource);
        return HEADER.formatted(resource.getSimpleName()) + YAML.writeValueAsString(crd);
    }

    @Test
    void virtualMachinesCrdMatchesTheModel() throws IOException {
        check("virtualmachines.vm.neon.tech", NeonVm.class);
    }

    @Test
    void virtualMachineMigrationsCrdMatchesTheModel() throws IOException {
        check("virtualmachinemigrations.vm.neon.tech", NeonVmm.class);
    }

    private static void check(String crdName, Class<?> resource) throws IOException {
        String expected = expected(crdName, resource);
        Path committed = COMMITTED.resolve(crdName + ".yaml");
        if (Boolean.getBoolean("vmflex.writeCrds")) {
            Path tmp = committed.resolveSibling(committed.getFileName() + ".tmp");
            Files.writeString(tmp, expected);
            Files.move(tmp, committed, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertTrue(Files.exists(committed), committed + " is missing: run with -Dvmflex.writeCrds=true");
        assertEquals(expected, Files.readString(committed),
                committed + " drifted from the model: ./mvnw -pl kube test -Dtest=CommittedCrdsTest -Dvmflex.writeCrds=true");
    }
}
