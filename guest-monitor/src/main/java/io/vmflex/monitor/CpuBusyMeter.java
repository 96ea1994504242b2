package io.vmflex.monitor;

import io.vmflex.api.guest.GuestMessage;

/**
 * The share of the online vCPUs' time that was not idle between two readings of /proc/stat: the
 * guest's own view, which stays at 1 while its vCPUs are saturated however little of the host's CPU
 * they get (the host's measure of the VM's CPU time cannot tell saturation from a slow host).
 * Not thread-safe: the metrics thread owns it.
 */
final class CpuBusyMeter {
    private GuestStats.CpuTicks last = GuestStats.CpuTicks.NONE;

    /** The busy share since the previous call, or unknown on the first call and when no tick passed. */
    double next(GuestStats.CpuTicks now) {
        GuestStats.CpuTicks before = last;
        last = now;
        long total = now.total() - before.total();
        long busy = now.busy() - before.busy();
        if (before.total() == 0 || total <= 0 || busy < 0) {
            return GuestMessage.Metrics.CPU_BUSY_UNKNOWN;
        }
        return Math.min(1.0, (double) busy / total);
    }
}
