package io.vmflex.kube.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.vmflex.api.validation.Manifests;
import io.vmflex.api.validation.VmDefaults;
import io.vmflex.api.validation.VmValidator;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed CRDs on a real kube-apiserver, driven with the machine's kubectl as a person would and
 * with fabric8's client as the node daemon will: manifests apply unchanged and nothing is pruned,
 * {@code kubectl get neonvm} shows NeonVM's columns, a JSON patch of {@code use} works, the schema
 * refuses a wrongly typed field, status goes through the status subresource, stale writes conflict.
 */
@ExtendWith(KubeApiServerExtension.class)
class NeonVmApiServerTest {

    private static final Path CRDS = Path.of("../deploy/crds");
    private static final Path FULL = Path.of("../api/src/test/resources/neonvm-full.yaml");
    private static final Path COMPUTE_NODE = Path.of("src/test/resources/vm-compute-node.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static KubeApiServer kube;
    private static KubernetesClient client;

    @BeforeAll
    static void installCrd(KubeApiServer server) {
        kube = server;
        client = server.client();
        kube.kubectl("apply", "-f", CRDS.toString()).orFail();
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                "crd/virtualmachines.vm.neon.tech", "crd/virtualmachinemigrations.vm.neon.tech").orFail();
        if (!kube.kubectl("get", "namespace", "demo").ok()) {
            kube.kubectl("create", "namespace", "demo").orFail();
        }
        kube.kubectl("apply", "-f", COMPUTE_NODE.toString()).orFail();
    }

    @AfterAll
    static void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void fullManifestAppliesAndNothingIsPruned() throws IOException {
        kube.kubectl("apply", "-f", FULL.toString()).orFail();
        JsonNode stored = JSON.readTree(kube.kubectl("get", "neonvm", "example", "-n", "default", "-o", "json").orFail());
        JsonNode written = new ObjectMapper(new YAMLFactory()).readTree(FULL.toFile());
        assertEquals(written.get("spec"), stored.get("spec"));
        String bounds = "autoscaling.neon.tech/bounds";
        assertEquals(written.path("metadata").path("annotations").path(bounds), stored.path("metadata").path("annotations").path(bounds));
    }

    @Test
    void computeNodeManifestIsOneTheDaemonAccepts() throws IOException {
        var vm = Manifests.parse(Files.readAllBytes(COMPUTE_NODE), true);
        VmValidator.validateCreate(VmDefaults.apply(vm));
        kube.kubectl("apply", "-f", COMPUTE_NODE.toString()).orFail();
        JsonNode stored = JSON.readTree(kube.kubectl("get", "neonvm", "vm-compute-node", "-n", "demo", "-o", "json").orFail());
        assertEquals(vm.name(), stored.path("metadata").path("name").asText());
        // what the daemon will read back from the API parses with the same strict parser
        assertEquals(vm.spec(), Manifests.fromTree(JSON.createObjectNode()
                .put("apiVersion", "vm.neon.tech/v1").put("kind", "VirtualMachine")
                .set("spec", stored.get("spec"))).spec());
    }

    @Test
    void getNeonvmShowsNeonVmsColumns() {
        List<String> header = words(kube.kubectl("get", "neonvm", "-n", "demo").orFail().lines().findFirst().orElseThrow());
        assertEquals(List.of("NAME", "CPUS", "MEMORY", "POD", "EXTRAIP", "STATUS", "RESTARTS", "AGE"), header);
        List<String> wide = words(kube.kubectl("get", "neonvm", "-n", "demo", "-o", "wide").orFail().lines().findFirst().orElseThrow());
        assertEquals(List.of("NAME", "CPUS", "MEMORY", "POD", "EXTRAIP", "STATUS", "RESTARTS", "AGE",
                "NODE", "IMAGE", "CPUSCALINGMODE", "TARGETARCHITECTURE"), wide);
        assertTrue(kube.kubectl("get", "virtualmachines.vm.neon.tech", "vm-compute-node", "-n", "demo").ok());
    }

    @Test
    void jsonPatchOfCpusUseIsStored() {
        kube.kubectl("apply", "-f", COMPUTE_NODE.toString()).orFail();
        kube.kubectl("patch", "neonvm", "vm-compute-node", "-n", "demo", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":1}]").orFail();
        assertEquals("1", kube.kubectl("get", "neonvm", "vm-compute-node", "-n", "demo",
                "-o", "jsonpath={.spec.guest.cpus.use}").orFail());
        assertEquals(MilliCpu.ofCpus(1), vms().withName("vm-compute-node").get().getSpec().guest().cpus().use());
    }

    @Test
    void schemaRefusesAWronglyTypedFieldAndStoresNothing() {
        String before = kube.kubectl("get", "neonvm", "vm-compute-node", "-n", "demo", "-o", "jsonpath={.metadata.resourceVersion}").orFail();
        var refused = kube.kubectl("patch", "neonvm", "vm-compute-node", "-n", "demo", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/use\",\"value\":\"two\"}]");
        assertFalse(refused.ok());
        assertTrue(refused.stderr().contains("spec.guest.memorySlots.use"), refused.stderr());
        assertEquals(before, kube.kubectl("get", "neonvm", "vm-compute-node", "-n", "demo", "-o", "jsonpath={.metadata.resourceVersion}").orFail());
    }

    @Test
    void statusGoesThroughTheStatusSubresource() {
        NeonVm vm = vms().withName("vm-compute-node").get();
        var guestBefore = vm.getSpec().guest();
        vm.setStatus(VirtualMachineStatus.ofPhase(VmPhase.Running)
                .withCpus(MilliCpu.parse("500m"))
                .withMemorySize(ByteQuantity.ofGibibytes(2))
                .withPodName("vm-compute-node-7x2kq")
                .withNode("node-a")
                .withRestartCount(0));
        // a spec change sent along a status write is ignored by the subresource
        vm.setSpec(vm.getSpec().withGuest(guestBefore.withCpusUse(MilliCpu.ofCpus(2))));
        NeonVm written = vms().resource(vm).updateStatus();

        assertEquals(VmPhase.Running, written.getStatus().phase());
        assertEquals(guestBefore, vms().withName("vm-compute-node").get().getSpec().guest());
        String row = kube.kubectl("get", "neonvm", "vm-compute-node", "-n", "demo", "-o", "wide", "--no-headers").orFail();
        List<String> cells = words(row);
        assertEquals(List.of("vm-compute-node", "500m", "2Gi", "vm-compute-node-7x2kq"), cells.subList(0, 4));
        assertTrue(cells.contains("Running") && cells.contains("node-a"), row);
    }

    @Test
    void aMigrationIsANeonvmmWithItsColumns() {
        kube.kubectlWithInput("""
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachineMigration
                metadata:
                  name: move-compute-node
                  namespace: demo
                spec:
                  vmName: vm-compute-node
                  preventMigrationToSameHost: true
                  maxBandwidth: 1Gi
                  completionTimeout: 3600
                """, "apply", "-f", "-").orFail();
        List<String> header = words(kube.kubectl("get", "neonvmm", "-n", "demo", "-o", "wide").orFail().lines().findFirst().orElseThrow());
        assertEquals(List.of("NAME", "VM", "SOURCE", "TARGET", "STATUS", "DOWNTIMEMS", "AGE", "RAMBYTES", "TOTALMS", "MESSAGE"), header);
        assertEquals("vm-compute-node", kube.kubectl("get", "neonvmm", "move-compute-node", "-n", "demo",
                "-o", "jsonpath={.spec.vmName}").orFail());
        assertEquals(ByteQuantity.ofGibibytes(1), client.resources(NeonVmm.class).inNamespace("demo").withName("move-compute-node").get()
                .getSpec().maxBandwidth());
    }

    @Test
    void aWriteWithAStaleResourceVersionConflicts() {
        NeonVm stale = vms().withName("vm-compute-node").get();
        kube.kubectl("label", "neonvm", "vm-compute-node", "-n", "demo", "--overwrite", "touched=yes").orFail();
        stale.getMetadata().getLabels().put("touched", "no");
        KubernetesClientException conflict = assertThrows(KubernetesClientException.class, () -> vms().resource(stale).update());
        assertEquals(409, conflict.getCode());
    }

    private static NonNamespaceOperation<NeonVm, KubernetesResourceList<NeonVm>, Resource<NeonVm>> vms() {
        return client.resources(NeonVm.class).inNamespace("demo");
    }

    private static List<String> words(String line) {
        return Arrays.asList(line.strip().split("\\s+"));
    }
}
