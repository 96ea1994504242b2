package io.vmflex.scheduler.watermark;

import java.time.Duration;

/**
 * The limits on watermark migrations. Immutable.
 *
 * @param maxMigrationsPerNode how many migrations may touch one node at once, counting those it is the
 *                             source of and those it is the target of (at least 1)
 * @param cooldown             a VM whose last migration ended less than this long ago is not chosen again,
 *                             so a VM is not bounced between nodes and a failing one is not retried in a loop
 */
public record WatermarkPolicy(int maxMigrationsPerNode, Duration cooldown) {

    public static final int DEFAULT_MAX_PER_NODE = 1;
    public static final Duration DEFAULT_COOLDOWN = Duration.ofMinutes(5);
    public static final WatermarkPolicy DEFAULT = new WatermarkPolicy(DEFAULT_MAX_PER_NODE, DEFAULT_COOLDOWN);

    public WatermarkPolicy {
        if (maxMigrationsPerNode < 1) {
            throw new IllegalArgumentException("max migrations per node: must be at least 1, got " + maxMigrationsPerNode);
        }
        if (cooldown == null || cooldown.isNegative()) {
            throw new IllegalArgumentException("cooldown: must not be negative, got " + cooldown);
        }
    }
}
