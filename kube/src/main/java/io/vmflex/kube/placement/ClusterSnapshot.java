package io.vmflex.kube.placement;

import io.vmflex.scheduler.core.Amount;

import java.util.List;
import java.util.Map;

/**
 * The cluster as one placement round sees it: the VM nodes, what the pods bound to each node request,
 * and every VirtualMachine. Immutable.
 *
 * @param podRequests per node name, the summed requests of its running pods (DaemonSets and others)
 * @param incoming    per VM key, the target node of its migration in flight: the VM holds room there too
 */
public record ClusterSnapshot(List<NodeInfo> nodes, Map<String, Amount> podRequests, List<VmInfo> vms,
                              Map<String, String> incoming) {

    public ClusterSnapshot {
        nodes = List.copyOf(nodes);
        podRequests = Map.copyOf(podRequests);
        vms = List.copyOf(vms);
        incoming = Map.copyOf(incoming);
    }

    /** With no migration in flight. */
    public ClusterSnapshot(List<NodeInfo> nodes, Map<String, Amount> podRequests, List<VmInfo> vms) {
        this(nodes, podRequests, vms, Map.of());
    }
}
