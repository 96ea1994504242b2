package io.vmflex.agent.core;

/**
 * Checks a guest sample before the decision logic sees it. The guest is untrusted: a sample with
 * a NaN, infinite or negative load or memory, or no memory at all, is refused; a load above
 * {@link ScalingConfig#maxLoadAverage()} is clamped; used memory above total is clamped to total;
 * a busy fraction (the host's or the guest's own) outside 0..1 is dropped (treated as not sent). Whatever passes can still not
 * take a VM past its bounds: the goal is clamped after. Stateless.
 */
final class MetricsSanitiser {

    private MetricsSanitiser() {
    }

    /** The sample to use, or null with {@code why[0]} saying why it was refused. */
    static GuestMetrics sanitise(GuestMetrics m, ScalingConfig config, String[] why) {
        if (!(Double.isFinite(m.loadAvg1()) && m.loadAvg1() >= 0)) {
            why[0] = "load average " + m.loadAvg1() + " is not a non-negative number";
            return null;
        }
        if (!(Double.isFinite(m.memUsedBytes()) && m.memUsedBytes() >= 0)) {
            why[0] = "used memory " + m.memUsedBytes() + " is not a non-negative number";
            return null;
        }
        if (!(Double.isFinite(m.memTotalBytes()) && m.memTotalBytes() > 0)) {
            why[0] = "total memory " + m.memTotalBytes() + " is not a positive number";
            return null;
        }
        double load = Math.min(m.loadAvg1(), config.maxLoadAverage());
        double used = Math.min(m.memUsedBytes(), m.memTotalBytes());
        double busy = share(m.cpuBusyFraction());
        double guestBusy = share(m.guestCpuBusy());
        if (load == m.loadAvg1() && used == m.memUsedBytes() && Double.compare(busy, m.cpuBusyFraction()) == 0
                && Double.compare(guestBusy, m.guestCpuBusy()) == 0) {
            return m;
        }
        return new GuestMetrics(load, busy, used, m.memTotalBytes(), m.receivedAtMs(), guestBusy);
    }

    private static double share(double d) {
        return d >= 0 && d <= 1 ? d : Double.NaN;
    }
}
