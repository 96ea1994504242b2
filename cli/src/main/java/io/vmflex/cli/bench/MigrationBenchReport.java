package io.vmflex.cli.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Medians per (mode, channels) and the relayed-vs-direct comparison the issue sets targets for:
 * throughput ratio &ge; {@value #TARGET_RATIO}, downtime within {@value #TARGET_DOWNTIME_MS} ms.
 *
 * <p>Not thread-safe; filled and printed by the benchmark's thread.
 */
final class MigrationBenchReport {
    static final double TARGET_RATIO = 0.95;
    static final long TARGET_DOWNTIME_MS = 5;

    private final List<MigrationSample> samples = new ArrayList<>();

    void add(MigrationSample s) {
        samples.add(s);
    }

    List<MigrationSample> samples(String mode, int channels) {
        return samples.stream().filter(s -> s.mode().equals(mode) && s.channels() == channels).toList();
    }

    static double median(List<MigrationSample> xs, ToDoubleFunction<MigrationSample> f) {
        double[] v = xs.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Relayed median throughput / direct median throughput for these channels. */
    double throughputRatio(int channels) {
        return median(samples("relayed", channels), MigrationSample::mbps) / median(samples("direct", channels), MigrationSample::mbps);
    }

    /** Relayed median downtime minus direct median downtime, ms. */
    double downtimeDifferenceMs(int channels) {
        return median(samples("relayed", channels), MigrationSample::downtimeMs)
                - median(samples("direct", channels), MigrationSample::downtimeMs);
    }

    /** Relayed median whole pause minus direct median whole pause, ms. */
    double switchoverDifferenceMs(int channels) {
        return median(samples("relayed", channels), MigrationSample::switchoverMs)
                - median(samples("direct", channels), MigrationSample::switchoverMs);
    }

    void print(PrintStream out) {
        Map<Integer, Boolean> channelSet = new TreeMap<>();
        samples.forEach(s -> channelSet.put(s.channels(), true));
        out.printf("%n%-8s %-8s %4s %10s %10s %10s %12s %12s %10s %16s%n", "mode", "channels", "n", "total ms", "downtime",
                "paused", "RAM MiB", "Mbit/s", "wall ms", "vmmd CPU s/GiB");
        for (int ch : channelSet.keySet()) {
            for (String mode : List.of("direct", "relayed")) {
                List<MigrationSample> xs = samples(mode, ch);
                if (xs.isEmpty()) {
                    continue;
                }
                double cpu = median(xs, MigrationSample::daemonCpuSecondsPerGiB);
                out.printf("%-8s %-8s %4d %10.0f %10.0f %10.0f %12.1f %12.0f %10.0f %16s%n", mode, ch == 1 ? "1" : ch + " mfd",
                        xs.size(), median(xs, MigrationSample::totalMs), median(xs, MigrationSample::downtimeMs),
                        median(xs, MigrationSample::switchoverMs),
                        median(xs, s -> s.transferredBytes() / 1048576.0), median(xs, MigrationSample::mbps),
                        median(xs, MigrationSample::wallMs), Double.isNaN(cpu) ? "-" : String.format("%.2f", cpu));
            }
        }
        out.println("(medians; downtime = QEMU's (stop to the source's last byte); paused = the guest's whole pause, until the"
                + " target ran it; Mbit/s = RAM transferred / QEMU total-time; vmmd CPU = both daemons, relay included)");
        out.println();
        for (int ch : channelSet.keySet()) {
            double ratio = throughputRatio(ch);
            double dt = downtimeDifferenceMs(ch);
            double paused = switchoverDifferenceMs(ch);
            out.printf("channels %-6s relayed/direct throughput %.3f (target >= %.2f: %s), downtime relayed-direct %+.0f ms"
                            + " (target at most +%d ms: %s), paused relayed-direct %+.0f ms (%s)%n", ch == 1 ? "1" : ch + " mfd",
                    ratio, TARGET_RATIO, ratio >= TARGET_RATIO ? "met" : "missed", dt, TARGET_DOWNTIME_MS,
                    dt <= TARGET_DOWNTIME_MS ? "met" : "missed", paused, paused <= TARGET_DOWNTIME_MS ? "met" : "missed");
        }
    }
}
