package io.vmflex.kube.placement;

import java.time.Duration;

/**
 * How one scheduler replica runs. Immutable.
 *
 * @param identity        this replica's name in the Lease (the pod name in a Deployment)
 * @param leaseNamespace  where the Lease lives
 * @param leaseName       the Lease all replicas compete for
 * @param leaseDuration   how long a standby waits after the leader's last renewal before taking over
 * @param renewDeadline   how long the leader keeps trying to renew before it gives up leading
 * @param retryPeriod     between acquire and renew attempts
 * @param scheduleUnnamed also place VMs with no {@code spec.schedulerName}
 * @param releaseOnClose  give the Lease up on {@link PlacementScheduler#close()}, so a standby takes over
 *                        at once; false leaves it to expire, as a killed process does
 * @param writeParallelism how many API writes (bindings, status, events) may be in flight at once
 */
public record SchedulerSettings(String identity, String leaseNamespace, String leaseName, Duration leaseDuration,
                                Duration renewDeadline, Duration retryPeriod, boolean scheduleUnnamed,
                                boolean releaseOnClose, int writeParallelism) {

    public static final String DEFAULT_NAMESPACE = "vmflex-system";
    public static final String DEFAULT_LEASE = "vmflex-scheduler";

    public SchedulerSettings {
        if (identity == null || identity.isBlank()) {
            throw new IllegalArgumentException("identity: required");
        }
        if (!(retryPeriod.isPositive() && retryPeriod.compareTo(renewDeadline) < 0 && renewDeadline.compareTo(leaseDuration) < 0)) {
            throw new IllegalArgumentException("lease timings: need 0 < retry period < renew deadline < lease duration, got "
                    + retryPeriod.toMillis() + " ms, " + renewDeadline.toMillis() + " ms, " + leaseDuration.toMillis() + " ms");
        }
        if (writeParallelism < 1) {
            throw new IllegalArgumentException("writeParallelism: must be at least 1, got " + writeParallelism);
        }
    }

    /** kube-scheduler's own timings: 15 s lease, 10 s renew deadline, 2 s retry. */
    public static SchedulerSettings defaults(String identity) {
        return new SchedulerSettings(identity, DEFAULT_NAMESPACE, DEFAULT_LEASE, Duration.ofSeconds(15),
                Duration.ofSeconds(10), Duration.ofSeconds(2), false, true, 16);
    }

    public SchedulerSettings withLease(Duration duration, Duration renew, Duration retry) {
        return new SchedulerSettings(identity, leaseNamespace, leaseName, duration, renew, retry, scheduleUnnamed,
                releaseOnClose, writeParallelism);
    }

    public SchedulerSettings withScheduleUnnamed(boolean on) {
        return new SchedulerSettings(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod, on,
                releaseOnClose, writeParallelism);
    }

    public SchedulerSettings withReleaseOnClose(boolean on) {
        return new SchedulerSettings(identity, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod,
                scheduleUnnamed, on, writeParallelism);
    }

    public SchedulerSettings withLeaseNamespace(String namespace) {
        return new SchedulerSettings(identity, namespace, leaseName, leaseDuration, renewDeadline, retryPeriod,
                scheduleUnnamed, releaseOnClose, writeParallelism);
    }
}
