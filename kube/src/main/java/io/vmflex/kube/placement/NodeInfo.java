package io.vmflex.kube.placement;

import io.vmflex.scheduler.core.Amount;

import java.util.List;
import java.util.Map;

/**
 * What placement needs of one VM node, read from its Node object. Immutable.
 *
 * @param ready         the Node's {@code Ready} condition is {@code True}
 * @param unschedulable the Node is cordoned ({@code spec.unschedulable})
 * @param allocatable   {@code status.allocatable} cpu and memory
 */
public record NodeInfo(String name, Map<String, String> labels, List<NodeTaint> taints, boolean ready,
                       boolean unschedulable, Amount allocatable) {

    public NodeInfo {
        labels = Map.copyOf(labels);
        taints = List.copyOf(taints);
    }
}
