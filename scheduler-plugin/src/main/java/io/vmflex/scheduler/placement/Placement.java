package io.vmflex.scheduler.placement;

import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;

import java.util.List;

/**
 * Where a new VM goes, as kube-scheduler's framework phrases it: Filter drops the nodes that cannot
 * take the VM, Score ranks the rest, the best score wins (ties by name, so the result is
 * deterministic). The score peaks when the node would be 80 % used after placing the VM (as Neon's
 * plugin scores): fuller nodes are preferred up to that point, which keeps whole nodes free for big
 * VMs, and nodes past it are avoided because their VMs have no room left to grow.
 *
 * <p>Pure functions; stateless and thread-safe.
 */
public final class Placement {

    /** The use fraction where the score peaks. */
    public static final double PEAK = 0.8;
    /** Score of a node used exactly at {@link #PEAK} after placement. */
    public static final int MAX_SCORE = 100;

    private Placement() {
    }

    /** The outcome of placing one VM. */
    public sealed interface Result {
        /** Place the VM on {@code node}. */
        record Placed(String node, int score) implements Result {
        }

        /** No node can take the VM; {@code reason} is one line. */
        record Unplaceable(String reason) implements Result {
        }
    }

    /** Filter: why {@code node} cannot take a VM of {@code use}, or null if it can. */
    public static String filter(NodeView node, Amount use) {
        if (!node.synced()) {
            return "not reported yet";
        }
        if (!use.fitsIn(node.free())) {
            return "only " + node.free().describe() + " free";
        }
        return null;
    }

    /**
     * Score of {@code node} for a VM of {@code use}: 0 to {@link #MAX_SCORE}, from the node's use
     * fraction after placement (the larger of CPU and memory), rising linearly to the peak and
     * falling linearly to 0 at full.
     */
    public static int score(NodeView node, Amount use) {
        double cpu = fraction(node.reserved().cpuMillis() + use.cpuMillis(), node.capacity().cpuMillis());
        double mem = fraction(node.reserved().memBytes() + use.memBytes(), node.capacity().memBytes());
        double u = Math.min(1, Math.max(cpu, mem));
        double s = u <= PEAK ? u / PEAK : (1 - u) / (1 - PEAK);
        return (int) Math.round(s * MAX_SCORE);
    }

    /** Filter then Score over {@code nodes}; the best node, or why none fits. */
    public static Result place(List<NodeView> nodes, Amount use) {
        NodeView best = null;
        int bestScore = -1;
        int unsynced = 0;
        int full = 0;
        for (NodeView node : nodes) {
            String why = filter(node, use);
            if (why != null) {
                if (node.synced()) {
                    full++;
                } else {
                    unsynced++;
                }
                continue;
            }
            int s = score(node, use);
            if (s > bestScore || (s == bestScore && node.name().compareTo(best.name()) < 0)) {
                best = node;
                bestScore = s;
            }
        }
        if (best == null) {
            return new Result.Unplaceable("no node can fit " + use.describe() + ": " + nodes.size() + " nodes, "
                    + full + " without enough free capacity, " + unsynced + " not reported yet");
        }
        return new Result.Placed(best.name(), bestScore);
    }

    private static double fraction(long used, long capacity) {
        return capacity == 0 ? 1 : (double) used / capacity;
    }
}
