package io.vmflex.scheduler.watermark;

import io.vmflex.scheduler.core.Amount;

import java.util.List;

/**
 * Which VMs would have to move off a node whose reserved passed its watermark, as data for an event
 * and a metric (the Kubernetes issue acts on it). Immutable.
 *
 * @param reserved  the node's reserved when chosen
 * @param watermark the node's watermark
 * @param vms       the VMs to move, oldest first
 * @param afterMove the node's reserved once they are gone
 * @param enough    whether moving them brings the node to or below its watermark; false when the node
 *                  has too few VMs allowed to move
 */
public record MigrationChoice(String node, Amount reserved, Amount watermark, List<String> vms, Amount afterMove,
                              boolean enough) {

    public MigrationChoice {
        vms = List.copyOf(vms);
    }

    /** One line for an event: {@code node-3 is above its watermark ...: move pg-1, pg-7}. */
    public String describe() {
        return node + " reserves " + reserved.describe() + ", above its watermark " + watermark.describe()
                + (vms.isEmpty() ? "; no VM may move (none has auto-migration enabled)"
                : ": move " + String.join(", ", vms) + (enough ? "" : " (not enough to get below it)"));
    }
}
