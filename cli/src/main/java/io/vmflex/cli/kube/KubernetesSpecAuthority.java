package io.vmflex.cli.kube;

import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.kube.node.ObjectKey;
import io.vmflex.kube.node.Ownership;
import io.vmflex.vmm.api.SpecAuthority;

/**
 * The admin socket in Kubernetes mode: VMs come from the API server, so a create through the socket is
 * refused, and so is a change or delete of a VM the node controller runs. A VM left from standalone use
 * (no owner annotation) can still be changed and deleted there, so that it can be cleaned up.
 */
public final class KubernetesSpecAuthority implements SpecAuthority {

    @Override
    public String refuseCreate(String name) {
        return "this node takes its VMs from Kubernetes: create them with kubectl apply (VirtualMachine with label vmflex.io/node)";
    }

    @Override
    public String refuseChange(VirtualMachine vm) {
        return Ownership.objectOf(vm).map(ObjectKey::toString)
                .map(key -> "virtualmachine \"" + vm.name() + "\" is managed by Kubernetes (" + key + "): use kubectl")
                .orElse(null);
    }

    @Override
    public String refuseMigration(VirtualMachine vm) {
        return Ownership.objectOf(vm).map(ObjectKey::toString)
                .map(key -> "virtualmachine \"" + vm.name() + "\" is managed by Kubernetes (" + key
                        + "): migrate it with a VirtualMachineMigration (kubectl apply)")
                .orElse(null);
    }
}
