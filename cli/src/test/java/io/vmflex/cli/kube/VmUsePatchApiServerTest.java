package io.vmflex.cli.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmflex.kube.node.ObjectKey;
import io.vmflex.kube.placement.SchedulerTestCluster;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.kube.testing.NodeAccount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's guarded JSON patch of a VirtualMachine, as the node's service account, on the real API server. */
@ExtendWith(KubeApiServerExtension.class)
class VmUsePatchApiServerTest {

    private static final String NS = "usepatch";

    private static String vm(String name) {
        return """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata: {name: %s, namespace: %s}
                spec:
                  guest:
                    cpus: {min: 1, use: 1, max: 4}
                    memorySlotSize: 1Gi
                    memorySlots: {min: 1, use: 1, max: 4}
                    rootDisk: {image: test}
                """.formatted(name, NS);
    }

    private static String get(KubeApiServer kube, String name, String path) {
        return kube.kubectl("get", "neonvm", name, "-n", NS, "-o", "jsonpath={" + path + "}").orFail();
    }

    @Test
    void shouldPatchUseAndTargetRevisionAsTheNodeAndRetryOnAChangeMadeMeanwhile(KubeApiServer kube) throws Exception {
        SchedulerTestCluster cluster = new SchedulerTestCluster(kube);
        cluster.install();
        cluster.namespace(NS);
        kube.kubectlWithInput(vm("a"), "apply", "-f", "-").orFail();
        try (KubernetesClient node = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(
                Files.readString(NodeAccount.kubeconfig(kube)))).build()) {
            ObjectKey key = new ObjectKey(NS, "a");
            VmUsePatch.apply(node, key, 2000, 3, 7, Instant.parse("2026-12-06T12:00:00Z"));
            assertEquals("2000m", get(kube, "a", ".spec.guest.cpus.use"));
            assertEquals("3", get(kube, "a", ".spec.guest.memorySlots.use"));
            assertEquals("7", get(kube, "a", ".spec.targetRevision.revision.value"));
            assertTrue(get(kube, "a", ".metadata.managedFields[*].manager").contains(VmUsePatch.FIELD_MANAGER));

            // someone (kubectl) changes use after the agent's read: the guard refuses, the agent re-reads and retries
            AtomicInteger attempts = new AtomicInteger();
            VmUsePatch.apply(node, key, 1000, 2, 8, Instant.now(), () -> {
                if (attempts.incrementAndGet() == 1) {
                    kube.kubectl("patch", "neonvm", "a", "-n", NS, "--type=json",
                            "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":3}]").orFail();
                }
            });
            assertEquals(2, attempts.get(), "one refused by the test op, one on the re-read object");
            assertEquals("1000m", get(kube, "a", ".spec.guest.cpus.use"));

            // changed before every attempt: the API's 422 reaches the caller, nothing written by the agent
            AtomicInteger value = new AtomicInteger(1);
            KubernetesClientException refused = assertThrows(KubernetesClientException.class, () ->
                    VmUsePatch.apply(node, key, 4000, 4, 9, Instant.now(), () -> kube.kubectl("patch", "neonvm", "a", "-n", NS,
                            "--type=json", "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/use\",\"value\":"
                                    + (value.incrementAndGet() % 3 + 1) + "}]").orFail()));
            assertEquals(422, refused.getCode());
            assertEquals("8", get(kube, "a", ".spec.targetRevision.revision.value"));
        } finally {
            cluster.admin.resources(io.vmflex.kube.crd.NeonVm.class).inNamespace(NS).delete();
        }
    }
}
