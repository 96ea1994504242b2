package io.vmflex.kube.testing;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The node daemon's identity for tests: service account {@code vmflex-system/vmflex-node} bound to
 * exactly the verbs the node controller uses (the list given to deploy/'s RBAC), acted as through
 * impersonation. A controller that needs another verb fails its tests.
 */
public final class NodeAccount {
    public static final String USER = "system:serviceaccount:vmflex-system:vmflex-node";

    /** The rules, as deploy/ should grant them to the node's service account. */
    public static final String RULES = """
            - apiGroups: ["vm.neon.tech"]
              resources: ["virtualmachines"]
              verbs: ["get", "list", "watch", "patch"]
            - apiGroups: ["vm.neon.tech"]
              resources: ["virtualmachines/status"]
              verbs: ["update", "patch"]
            - apiGroups: ["vm.neon.tech"]
              resources: ["virtualmachinemigrations"]
              verbs: ["get", "list", "watch"]
            - apiGroups: ["vm.neon.tech"]
              resources: ["virtualmachinemigrations/status"]
              verbs: ["update"]
            - apiGroups: [""]
              resources: ["nodes"]
              verbs: ["get", "list", "watch", "patch"]
            - apiGroups: [""]
              resources: ["events"]
              verbs: ["create", "patch"]
            """;

    /**
     * The node's rules in namespace vmflex-system (a Role): read the one Secret with the cluster secret,
     * and the scheduler's permit CA the leading scheduler publishes.
     */
    public static final String NAMESPACE_RULES = """
            - apiGroups: [""]
              resources: ["secrets"]
              resourceNames: ["vmflex-cluster"]
              verbs: ["get"]
            - apiGroups: [""]
              resources: ["configmaps"]
              resourceNames: ["vmflex-scheduler-ca"]
              verbs: ["get"]
            """;

    private NodeAccount() {
    }

    /** Grants the node's verbs (idempotent) and returns a kubeconfig acting as the node's service account. */
    public static Path kubeconfig(KubeApiServer kube) throws IOException {
        if (!kube.kubectl("get", "namespace", "vmflex-system").ok()) {
            kube.kubectl("create", "namespace", "vmflex-system").orFail();
        }
        kube.kubectlWithInput("""
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: vmflex-node-test}
                rules:
                %s
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: vmflex-node-test}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: vmflex-node-test}
                subjects:
                - {kind: ServiceAccount, name: vmflex-node, namespace: vmflex-system}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: vmflex-node-test, namespace: vmflex-system}
                rules:
                %s
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: vmflex-node-test, namespace: vmflex-system}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: vmflex-node-test}
                subjects:
                - {kind: ServiceAccount, name: vmflex-node, namespace: vmflex-system}
                """.formatted(RULES, NAMESPACE_RULES), "apply", "-f", "-").orFail();
        return kube.kubeconfigAs(USER, "system:serviceaccounts", "system:serviceaccounts:vmflex-system", "system:authenticated");
    }
}
