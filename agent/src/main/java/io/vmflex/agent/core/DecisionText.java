package io.vmflex.agent.core;

import java.util.Locale;

/**
 * A {@link Decision} as an event: a reason in the Kubernetes style ({@code ScaledUp},
 * {@code DownscaleDenied}, ...), whether it is a warning, and one line carrying the inputs and the
 * goal, so that {@code vmctl events} says why each resize happened. Stateless.
 */
public final class DecisionText {

    private DecisionText() {
    }

    /** {@code UPSCALE_DENIED} → {@code UpscaleDenied}. */
    public static String reason(DecisionKind kind) {
        StringBuilder out = new StringBuilder();
        for (String word : kind.name().split("_")) {
            out.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
        }
        return out.toString();
    }

    /** Refusals and failures are warnings; decisions that went through are normal. */
    public static boolean warning(DecisionKind kind) {
        return switch (kind) {
            case UPSCALE_DENIED, PERMIT_FAILED, UPSCALE_NOTIFY_FAILED, DOWNSCALE_DENIED, RELEASE_FAILED, PATCH_FAILED,
                 METRICS_REJECTED, MONITOR_UPSCALE_RATE_LIMITED -> true;
            case UPSCALE_REQUESTED, UPSCALE_PARTIAL, SCALED_UP, DOWNSCALE_REQUESTED, SCALED_DOWN, PATCH_REFUSED_MIGRATING,
                 MONITOR_UPSCALE_REQUESTED -> false;
        };
    }

    /** One line: what, from which use to which target, toward which goal, from which inputs, and why. */
    public static String message(Decision d) {
        StringBuilder s = new StringBuilder();
        s.append(amount(d.current()));
        if (d.target() != null && !d.target().equals(d.current())) {
            s.append(" -> ").append(amount(d.target()));
        }
        if (d.goal() != null) {
            s.append("; goal ").append(amount(d.goal()));
        }
        GoalInputs in = d.inputs();
        if (in != null) {
            s.append(String.format(Locale.ROOT, " (%s rules: load1 %s, busy %s, used %s of %s, metrics %s old",
                    in.mode() == ScalingMode.NEON_RULES ? "Neon" : "vmflex", num(in.loadAvg1()), num(in.cpuBusyFraction()),
                    mib(in.memUsedBytes()), mib(in.memTotalBytes()), in.metricsAgeMs() < 0 ? "-" : in.metricsAgeMs() + " ms"));
            if (Double.isFinite(in.guestCpuBusy())) {
                s.append(", guest busy ").append(num(in.guestCpuBusy()));
            }
            if (Double.isFinite(in.runnableTasks())) {
                s.append(", runnable ").append(num(in.runnableTasks()));
            }
            if (in.monitorFloorBytes() > 0) {
                s.append(", monitor asks at least ").append(mib(in.monitorFloorBytes()));
            }
            s.append(')');
        }
        if (d.detail() != null && !d.detail().isBlank()) {
            s.append(": ").append(d.detail().replace('\n', ' '));
        }
        return s.toString();
    }

    private static String amount(Allocation a) {
        return String.format(Locale.ROOT, "%s CPU/%s", cpus(a.cpuMillis()), mib(a.memBytes()));
    }

    private static String cpus(long millis) {
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : millis + "m";
    }

    private static String mib(double bytes) {
        if (!Double.isFinite(bytes)) {
            return "-";
        }
        long mib = Math.round(bytes / (1024 * 1024));
        return mib % 1024 == 0 && mib > 0 ? (mib / 1024) + "Gi" : mib + "Mi";
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "-";
    }
}
