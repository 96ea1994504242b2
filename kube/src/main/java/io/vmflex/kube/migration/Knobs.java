package io.vmflex.kube.migration;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.VirtualMachineMigrationSpec;

/**
 * A VirtualMachineMigration's spec in the terms of the daemon's live migration (the knobs of
 * {@code vmctl migrate}), with the daemon's defaults for what the spec leaves out. NeonVM's
 * {@code maxBandwidth} (bytes per second) becomes Mbit/s, its {@code completionTimeout} (seconds for the
 * whole move) a limit per GiB of the VM's memory. {@code incremental}, {@code compress} and
 * {@code autoConverge} are accepted and not used (the relayed migration has its own tuning);
 * {@code allowPostCopy: true} is refused: a post-copy VM would run on two nodes' memory at once.
 *
 * <p>Pure; immutable.
 */
public record Knobs(long downtimeLimitMs, long maxBandwidthMbps, int multifdChannels, long progressTimeoutSeconds,
                    long completionTimeoutPerGiBSeconds) {
    public static final long DOWNTIME_MS = 300;
    public static final long BANDWIDTH_MBPS = 10_000;
    public static final long PROGRESS_SECONDS = 30;
    public static final long PER_GIB_SECONDS = 150;
    /** QEMU's {@code MAX_MIGRATE_DOWNTIME} (2000 s), as the admin API checks it. */
    static final long MAX_DOWNTIME_MS = 2_000_000;
    /** The daemon's {@code MigrationTuning.MAX_MULTIFD_CHANNELS}. */
    static final int MAX_MULTIFD = 255;

    /** The spec as knobs, or why it cannot run. */
    public sealed interface Result {
    }

    public record Valid(Knobs knobs) implements Result {
    }

    /** @param message one line, field first */
    public record Invalid(String message) implements Result {
    }

    /**
     * @param memoryBytes the VM's memory now (for {@code completionTimeout}); 0 when unknown
     */
    public static Result of(VirtualMachineMigrationSpec spec, long memoryBytes) {
        if (Boolean.TRUE.equals(spec.allowPostCopy())) {
            return new Invalid("spec.allowPostCopy: post-copy migration is not supported (the VM would depend on both nodes)");
        }
        long downtime = spec.downtimeLimitMs() == null ? DOWNTIME_MS : spec.downtimeLimitMs();
        if (downtime <= 0 || downtime > MAX_DOWNTIME_MS) {
            return new Invalid("spec.downtimeLimitMs: must be in 1.." + MAX_DOWNTIME_MS + ", got " + downtime);
        }
        long mbps = BANDWIDTH_MBPS;
        if (spec.maxBandwidth() != null) {
            ByteQuantity q = spec.maxBandwidth();
            if (q.bytes() <= 0) {
                return new Invalid("spec.maxBandwidth: must be positive, got " + q);
            }
            // bytes/s to Mbit/s, rounded up so that a small cap is not 0
            mbps = Math.max(1, Math.ceilDiv(Math.min(q.bytes(), Long.MAX_VALUE / 8) * 8, 1_000_000));
        }
        int multifd = spec.multifdChannels() == null ? 1 : spec.multifdChannels();
        if (multifd < 1 || multifd > MAX_MULTIFD) {
            return new Invalid("spec.multifdChannels: must be in 1.." + MAX_MULTIFD + ", got " + multifd);
        }
        long progress = spec.progressTimeoutSeconds() == null ? PROGRESS_SECONDS : spec.progressTimeoutSeconds();
        if (progress <= 0) {
            return new Invalid("spec.progressTimeoutSeconds: must be positive, got " + progress);
        }
        long perGiB = PER_GIB_SECONDS;
        if (spec.completionTimeoutPerGiBSeconds() != null && spec.completionTimeout() != null) {
            return new Invalid("spec.completionTimeout: give it or spec.completionTimeoutPerGiBSeconds, not both");
        }
        if (spec.completionTimeoutPerGiBSeconds() != null) {
            perGiB = spec.completionTimeoutPerGiBSeconds();
        } else if (spec.completionTimeout() != null) {
            long gib = Math.max(1, Math.ceilDiv(Math.max(memoryBytes, 1), ByteQuantity.GI));
            perGiB = Math.ceilDiv((long) spec.completionTimeout(), gib);
        }
        if (perGiB <= 0) {
            return new Invalid("spec.completionTimeout: must be positive");
        }
        return new Valid(new Knobs(downtime, mbps, multifd, progress, perGiB));
    }
}
