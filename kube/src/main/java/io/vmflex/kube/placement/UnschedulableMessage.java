package io.vmflex.kube.placement;

import io.vmflex.scheduler.core.Amount;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one line a VM that fits nowhere carries in its {@code Scheduled} condition and its Event, in the
 * shape kube-scheduler made familiar: {@code 0/3 nodes can run 500m CPU, 2048 MiB: node-a: only 250m
 * CPU, 1024 MiB free; node-b: not Ready; ...}. Up to {@link #DETAILED} nodes are named one by one;
 * past that the reasons are counted ({@code 97 not enough free CPU or memory, 3 not Ready}), so the
 * message stays short on a large cluster. Pure.
 */
final class UnschedulableMessage {

    /** Up to this many nodes, each is named with its own reason. */
    static final int DETAILED = 5;

    /**
     * Why one node cannot take the VM.
     *
     * @param category the reason without figures, for counting over many nodes
     * @param detail   the reason with figures
     */
    record NodeReason(String node, String category, String detail) {
    }

    private UnschedulableMessage() {
    }

    static String of(Amount use, int nodeCount, List<NodeReason> reasons) {
        String head = "0/" + nodeCount + " VM nodes can run " + use.describe();
        if (nodeCount == 0) {
            return head + ": no Node is labelled " + VmNodeContract.VM_NODE_LABEL + "=true";
        }
        if (reasons.size() <= DETAILED) {
            return head + ": " + reasons.stream().sorted((a, b) -> a.node().compareTo(b.node()))
                    .map(r -> r.node() + ": " + r.detail()).collect(Collectors.joining("; "));
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        reasons.stream().sorted((a, b) -> a.category().compareTo(b.category()))
                .forEach(r -> counts.merge(r.category(), 1, Integer::sum));
        return head + ": " + counts.entrySet().stream()
                .sorted((a, b) -> b.getValue() - a.getValue())
                .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    }
}
