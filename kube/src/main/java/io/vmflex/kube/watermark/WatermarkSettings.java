package io.vmflex.kube.watermark;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.scheduler.core.SchedulerConfig;
import io.vmflex.scheduler.watermark.WatermarkPolicy;

/**
 * How the scheduler moves VMs off full nodes. Immutable.
 *
 * @param enabled   create watermark migrations at all (targets for migrations people make are chosen either way)
 * @param watermark the fraction of a node's capacity above which it sheds VMs (0 &lt; w ≤ 1)
 * @param policy    the per-node limit and the cooldown
 * @param migrationBandwidth {@code spec.maxBandwidth} of the migrations the scheduler creates, bytes per
 *                  second; null leaves it out (the node daemon's default)
 */
public record WatermarkSettings(boolean enabled, double watermark, WatermarkPolicy policy, ByteQuantity migrationBandwidth) {

    public static final WatermarkSettings DEFAULT =
            new WatermarkSettings(true, SchedulerConfig.DEFAULT_WATERMARK, WatermarkPolicy.DEFAULT);

    public WatermarkSettings {
        if (!(watermark > 0 && watermark <= 1)) {
            throw new IllegalArgumentException("--watermark: must be above 0 and at most 1, got " + watermark);
        }
        if (policy == null) {
            throw new IllegalArgumentException("policy: required");
        }
        if (migrationBandwidth != null && migrationBandwidth.bytes() == 0) {
            throw new IllegalArgumentException("--watermark-migration-bandwidth: must be above 0 bytes per second");
        }
    }

    public WatermarkSettings(boolean enabled, double watermark, WatermarkPolicy policy) {
        this(enabled, watermark, policy, null);
    }
}
