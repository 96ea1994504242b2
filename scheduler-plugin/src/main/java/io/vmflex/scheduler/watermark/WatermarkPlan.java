package io.vmflex.scheduler.watermark;

import java.time.Instant;
import java.util.List;

/**
 * What one watermark round decided. Immutable.
 *
 * @param moves     migrations to create, in the order decided
 * @param over      every node above its watermark (counting what already leaves it), with what holds it there
 * @param nextCheck when a VM skipped for its cooldown may be chosen again (the caller wakes then), or null
 */
public record WatermarkPlan(List<Move> moves, List<OverNode> over, Instant nextCheck) {

    public WatermarkPlan {
        moves = List.copyOf(moves);
        over = List.copyOf(over);
    }

    /**
     * A node above its watermark after this round's moves are counted as leaving.
     *
     * @param stuck why it stays above, one line; null when this round's moves (or those in flight) will
     *              bring it below
     */
    public record OverNode(String node, String stuck) {
    }
}
