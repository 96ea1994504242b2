package io.vmflex.kube.placement;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.kube.testing.KubeApiServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the scheduler tests need on the real API server: the CRDs, the scheduler's service account with
 * only the verbs it needs (so every test runs the scheduler with the rights a Deployment would give it),
 * Node objects as a kubelet would make them, DaemonSet-like pods bound to them, VirtualMachines.
 *
 * <p>Tests share one API server per JVM with other test classes, so each test's nodes carry a taint
 * and a label of its own ({@code vmflex.test/run}) and its VMs tolerate and select them: no VM of
 * another test lands on them, and theirs land nowhere else.
 */
public final class SchedulerTestCluster {

    public static final String RUN_KEY = "vmflex.test/run";
    /** From a module's directory (tests) or the repository's (the benchmark). */
    static final Path CRDS = Files.isDirectory(Path.of("../deploy/crds")) ? Path.of("../deploy/crds") : Path.of("deploy/crds");
    /** On the test-jar's class path too, for other modules' tests. */
    static final String RBAC_RESOURCE = "/scheduler-rbac.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public final KubeApiServer kube;
    public final KubernetesClient admin;

    public SchedulerTestCluster(KubeApiServer kube) {
        this.kube = kube;
        this.admin = kube.client();
    }

    /** The CRDs, the vmflex-system namespace and the scheduler's account; idempotent. */
    public void install() {
        kube.kubectl("apply", "-f", CRDS.toString()).orFail();
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/virtualmachines.vm.neon.tech").orFail();
        try (var in = SchedulerTestCluster.class.getResourceAsStream(RBAC_RESOURCE)) {
            kube.kubectlWithInput(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "apply", "-f", "-").orFail();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A kubeconfig for the vmflex-scheduler service account (a token from the TokenRequest API). */
    public Path schedulerKubeconfig() {
        var token = admin.serviceAccounts().inNamespace(SchedulerSettings.DEFAULT_NAMESPACE).withName("vmflex-scheduler")
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withAudiences("https://kubernetes.default.svc")
                        .withExpirationSeconds(3600L).endSpec().build());
        try {
            ObjectNode config = (ObjectNode) YAML.readTree(kube.kubeconfig().toFile());
            ((ObjectNode) config.get("users").get(0).get("user")).put("token", token.getStatus().getToken());
            Path file = Files.createTempFile("scheduler-", ".kubeconfig");
            YAML.writeValue(file.toFile(), config);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public KubernetesClient schedulerClient(Path kubeconfig) {
        try {
            return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void namespace(String name) {
        if (admin.namespaces().withName(name).get() == null) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
            // no controller-manager here: the pods' default account is made by hand
            admin.serviceAccounts().inNamespace(name).resource(new ServiceAccountBuilder().withNewMetadata()
                    .withName("default").endMetadata().build()).create();
        }
    }

    /** A VM node as its kubelet registers it: labels, the VM-node taint, allocatable, Ready. */
    public void node(String run, String name, String cpu, String memory, Map<String, String> extraLabels) {
        var labels = new java.util.HashMap<>(extraLabels);
        labels.put(VmNodeContract.VM_NODE_LABEL, "true");
        labels.put(RUN_KEY, run);
        labels.put("kubernetes.io/hostname", name);
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec()
                .addNewTaint().withKey(VmNodeContract.VM_NODE_TAINT).withValue("true").withEffect("NoSchedule").endTaint()
                .addNewTaint().withKey(RUN_KEY).withValue(run).withEffect("NoSchedule").endTaint()
                .endSpec().build()).create();
        String status = """
                {"status":{"capacity":{"cpu":"%1$s","memory":"%2$s","pods":"110"},
                 "allocatable":{"cpu":"%1$s","memory":"%2$s","pods":"110"},
                 "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status",
                   "lastHeartbeatTime":"2026-12-06T00:00:00Z","lastTransitionTime":"2026-12-06T00:00:00Z"}]}}
                """.formatted(cpu, memory);
        admin.nodes().withName(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), status);
        // the API server taints a new Node not-ready; the node lifecycle controller (controller-manager,
        // not run here) lifts the taint once the kubelet reports Ready: do its part
        String taints = """
                {"spec":{"taints":[{"key":"%s","value":"true","effect":"NoSchedule"},{"key":"%s","value":"%s","effect":"NoSchedule"}]}}
                """.formatted(VmNodeContract.VM_NODE_TAINT, RUN_KEY, run);
        admin.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), taints);
    }

    /** A running pod on {@code node} requesting {@code cpu} and {@code memory} (as the node's DaemonSet pod). */
    public void pod(String namespace, String name, String node, String cpu, String memory) {
        admin.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName(node).withAutomountServiceAccountToken(false)
                .addNewToleration().withOperator("Exists").endToleration()
                .addNewContainer().withName("daemon").withImage("vmflex:test")
                .withNewResources().withRequests(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory))).endResources()
                .endContainer().endSpec().build()).create();
    }

    /** A VirtualMachine manifest for {@code run}'s nodes: {@code cpus} use, {@code slots} × 1Gi use. */
    public static String vmYaml(String namespace, String name, String run, String cpus, int slots, Map<String, String> selector) {
        StringBuilder sel = new StringBuilder("    " + RUN_KEY + ": " + run + "\n");
        selector.forEach((k, v) -> sel.append("    ").append(k).append(": ").append(v).append("\n"));
        return """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  schedulerName: autoscale-scheduler
                  nodeSelector:
                %s  tolerations:
                  - key: %s
                    operator: Exists
                    effect: NoSchedule
                  guest:
                    cpus: {min: "%s", use: "%s", max: 4}
                    memorySlotSize: 1Gi
                    memorySlots: {min: %d, use: %d, max: 8}
                    rootDisk: {image: test}
                """.formatted(name, namespace, sel, RUN_KEY, cpus, cpus, slots, slots);
    }

    public void applyVm(String yaml) {
        kube.kubectlWithInput(yaml, "apply", "-f", "-").orFail();
    }

    public NeonVm vm(String namespace, String name) {
        return admin.resources(NeonVm.class).inNamespace(namespace).withName(name).get();
    }

    /** The node a VM is bound to by its label, or null. */
    public String boundNode(String namespace, String name) {
        NeonVm vm = vm(namespace, name);
        return vm == null || vm.getMetadata().getLabels() == null ? null : vm.getMetadata().getLabels().get(VmNodeContract.NODE_LABEL);
    }

    /** Removes a test's nodes and namespace. */
    public void cleanUp(String run, String namespace) {
        // no namespace controller here: a deleted namespace keeps its objects, so they go first
        admin.resources(NeonVm.class).inNamespace(namespace).delete();
        admin.pods().inNamespace(namespace).delete();
        admin.nodes().withLabel(RUN_KEY, run).delete();
        admin.namespaces().withName(namespace).delete();
    }
}
