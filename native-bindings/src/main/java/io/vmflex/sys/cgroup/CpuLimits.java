package io.vmflex.sys.cgroup;

/** The kernel's bounds on a CFS quota and period, checked before anything is written. */
final class CpuLimits {
    static final long MIN_PERIOD_US = 1_000;
    static final long MAX_PERIOD_US = 1_000_000;
    static final long MIN_QUOTA_US = 1_000;

    private CpuLimits() {
    }

    static void check(long quotaUs, long periodUs) {
        if (periodUs < MIN_PERIOD_US || periodUs > MAX_PERIOD_US) {
            throw new IllegalArgumentException("cpu period must be 1000..1000000 us: " + periodUs);
        }
        if (quotaUs != -1 && quotaUs < MIN_QUOTA_US) {
            throw new IllegalArgumentException("cpu quota must be -1 or at least 1000 us: " + quotaUs);
        }
    }
}
