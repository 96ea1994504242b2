package io.vmflex.kube.placement;

import io.vmflex.scheduler.core.Amount;

import java.util.List;
import java.util.Map;

/**
 * The cluster as one placement round sees it: the VM nodes, what the pods bound to each node request,
 * and every VirtualMachine. Immutable.
 *
 * @param podRequests per node name, the summed requests of its running pods (DaemonSets and others)
 */
public record ClusterSnapshot(List<NodeInfo> nodes, Map<String, Amount> podRequests, List<VmInfo> vms) {

    public ClusterSnapshot {
        nodes = List.copyOf(nodes);
        podRequests = Map.copyOf(podRequests);
        vms = List.copyOf(vms);
    }
}
