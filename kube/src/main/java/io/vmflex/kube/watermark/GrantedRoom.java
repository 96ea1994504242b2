package io.vmflex.kube.watermark;

import io.vmflex.kube.node.LocalName;
import io.vmflex.kube.node.ObjectKey;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.core.VmView;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the permit books hold for one VM: its use plus permits granted to its agent that the VM's spec
 * does not show yet (the agent patches {@code use} only after the grant). Immutable.
 *
 * @param node     the node the books hold the room on
 * @param reserved the VM's reservation in the books
 */
public record GrantedRoom(String node, Amount reserved) {

    /**
     * The permit books' reservations by VM key ({@code namespace/name}); the books name VMs by the node
     * daemon's local name, and a name that is no VirtualMachine's is left out.
     */
    public static Map<String, GrantedRoom> fromBooks(List<NodeView> books) {
        Map<String, GrantedRoom> out = new HashMap<>();
        for (NodeView node : books) {
            for (VmView vm : node.vms()) {
                Optional<ObjectKey> key = LocalName.decode(vm.vm());
                key.ifPresent(k -> out.put(k.namespace() + "/" + k.name(), new GrantedRoom(node.name(), vm.reserved())));
            }
        }
        return out;
    }
}
