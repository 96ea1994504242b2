package io.vmflex.kube.watermark;

import io.vmflex.scheduler.core.SchedulerConfig;
import io.vmflex.scheduler.watermark.WatermarkPolicy;

/**
 * How the scheduler moves VMs off full nodes. Immutable.
 *
 * @param enabled   create watermark migrations at all (targets for migrations people make are chosen either way)
 * @param watermark the fraction of a node's capacity above which it sheds VMs (0 &lt; w ≤ 1)
 * @param policy    the per-node limit and the cooldown
 */
public record WatermarkSettings(boolean enabled, double watermark, WatermarkPolicy policy) {

    public static final WatermarkSettings DEFAULT =
            new WatermarkSettings(true, SchedulerConfig.DEFAULT_WATERMARK, WatermarkPolicy.DEFAULT);

    public WatermarkSettings {
        if (!(watermark > 0 && watermark <= 1)) {
            throw new IllegalArgumentException("--watermark: must be above 0 and at most 1, got " + watermark);
        }
        if (policy == null) {
            throw new IllegalArgumentException("policy: required");
        }
    }
}
