package io.vmflex.cli.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestReaderTest {

    @Test
    void shouldReturnOneManifestPerDocumentWhenYamlHasSeveral() {
        String yaml = """
                ---
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: one
                spec:
                  guest:
                    cpus: {min: 1, max: 4, use: 2}
                ---
                # an empty document is skipped
                ---
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: two
                """;
        List<ManifestReader.Manifest> manifests = ManifestReader.read(yaml, "vms.yaml");
        assertEquals(List.of("one", "two"), manifests.stream().map(ManifestReader.Manifest::name).toList());
        assertEquals(2, manifests.getFirst().object().at("/spec/guest/cpus/use").asInt());
        assertEquals("vms.yaml (document 1)", manifests.getFirst().origin());
    }

    @Test
    void shouldExpandItemsWhenJsonIsAList() {
        String json = "{\"kind\":\"List\",\"items\":[{\"kind\":\"VirtualMachine\",\"metadata\":{\"name\":\"a\"}},"
                + "{\"metadata\":{\"name\":\"b\"}}]}";
        assertEquals(List.of("a", "b"),
                ManifestReader.read(json, "x.json").stream().map(ManifestReader.Manifest::name).toList());
    }

    @Test
    void shouldNameTheDocumentWhenOneLacksAName() {
        CliException e = assertThrows(CliException.class, () -> ManifestReader.read(
                "metadata: {name: a}\n---\nmetadata: {labels: {x: y}}\n", "f.yaml"));
        assertEquals("f.yaml (document 2): metadata.name is required", e.getMessage());
    }

    @Test
    void shouldRefuseOtherKindsWhenApplying() {
        CliException e = assertThrows(CliException.class, () -> ManifestReader.read(
                "kind: Pod\nmetadata: {name: p}\n", "pod.yaml"));
        assertEquals("pod.yaml: kind \"Pod\" cannot be applied by vmctl (want VirtualMachine)", e.getMessage());
    }

    @Test
    void shouldReportLineWhenYamlIsBroken() {
        CliException e = assertThrows(CliException.class, () -> ManifestReader.read(
                "metadata:\n  name: a\n   bad: [\n", "b.yaml"));
        assertEquals(true, e.getMessage().startsWith("cannot parse b.yaml: "), e.getMessage());
    }

    @Test
    void shouldRefuseWhenFileIsEmpty() {
        assertThrows(CliException.class, () -> ManifestReader.read("\n# nothing\n", "e.yaml"));
    }
}
