package io.vmflex.kube.permit;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.kube.node.LocalName;
import io.vmflex.kube.node.ObjectKey;
import io.vmflex.kube.placement.SchedulerTestCluster;

import java.util.Map;

/**
 * Node daemon pods and their pod-bound service account tokens on the real API server: a pod with
 * {@code spec.nodeName} as the DaemonSet would have (no kubelet runs it), and a token from the
 * TokenRequest API bound to it, exactly what the kubelet projects into the pod.
 */
public final class PermitFixture {
    public static final String NS = PermitAuthenticator.NAMESPACE;
    public static final String AUDIENCE = "https://kubernetes.default.svc";

    private final KubernetesClient admin;

    public PermitFixture(KubernetesClient admin) {
        this.admin = admin;
    }

    public void serviceAccount(String name) {
        if (admin.serviceAccounts().inNamespace(NS).withName(name).get() == null) {
            admin.serviceAccounts().inNamespace(NS).resource(new ServiceAccountBuilder().withNewMetadata().withName(name)
                    .endMetadata().build()).create();
        }
    }

    /** A node daemon pod of {@code account} on {@code node}. */
    public Pod daemonPod(String name, String account, String node) {
        return admin.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of("app.kubernetes.io/name", "vmflex-node")).endMetadata()
                .withNewSpec().withNodeName(node).withServiceAccountName(account).withAutomountServiceAccountToken(false)
                .addNewToleration().withOperator("Exists").endToleration()
                .addNewContainer().withName("daemon").withImage("vmflex:test")
                .withNewResources().withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("128Mi"))).endResources()
                .endContainer().endSpec().build()).create();
    }

    /** A token of {@code account} bound to {@code pod}, as the kubelet projects it. */
    public String podToken(String account, Pod pod) {
        return admin.serviceAccounts().inNamespace(NS).withName(account).tokenRequest(new TokenRequestBuilder()
                .withSpec(new TokenRequestSpecBuilder().withAudiences(AUDIENCE).withExpirationSeconds(3600L)
                        .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName())
                        .withUid(pod.getMetadata().getUid()).endBoundObjectRef().build()).build()).getStatus().getToken();
    }

    /** A token of {@code account} bound to nothing. */
    public String unboundToken(String account) {
        return admin.serviceAccounts().inNamespace(NS).withName(account).tokenRequest(new TokenRequestBuilder()
                .withSpec(new TokenRequestSpecBuilder().withAudiences(AUDIENCE).withExpirationSeconds(3600L).build()).build())
                .getStatus().getToken();
    }

    /** A VirtualMachine already bound to {@code node} (label), {@code cpus} use of max 4, 1 of 8 1Gi slots. */
    public static String boundVmYaml(String namespace, String name, String node, String cpus) {
        return """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                  namespace: %s
                  labels: {vmflex.io/node: %s}
                spec:
                  guest:
                    cpus: {min: "%s", use: "%s", max: 4}
                    memorySlotSize: 1Gi
                    memorySlots: {min: 1, use: 1, max: 8}
                    rootDisk: {image: test}
                """.formatted(name, namespace, node, cpus, cpus);
    }

    public static String local(String namespace, String name) {
        return ((LocalName.Encoded.Name) LocalName.encode(new ObjectKey(namespace, name))).value();
    }

    public static SchedulerTestCluster cluster(io.vmflex.kube.testing.KubeApiServer kube) {
        SchedulerTestCluster c = new SchedulerTestCluster(kube);
        c.install();
        return c;
    }
}
