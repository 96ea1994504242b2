package io.vmflex.scheduler.core;

import java.util.List;

/**
 * A copy of one node's books, for metrics, {@code describe}, the watermark choice and placement.
 * Immutable.
 *
 * @param capacity  total minus the host reserve: what VMs may reserve
 * @param watermark the fraction of capacity above which VMs should move away
 * @param synced    whether the node has reported what it runs since the scheduler started
 * @param vms       the VMs on the node, in the order they were booked
 */
public record NodeView(String name, Amount total, Amount capacity, Amount watermark, Amount reserved, boolean synced,
                       List<VmView> vms) {

    public NodeView {
        vms = List.copyOf(vms);
    }

    public Amount free() {
        return new Amount(Math.max(0, capacity.cpuMillis() - reserved.cpuMillis()),
                Math.max(0, capacity.memBytes() - reserved.memBytes()));
    }
}
