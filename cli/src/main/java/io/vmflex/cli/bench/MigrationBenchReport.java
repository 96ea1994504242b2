package io.vmflex.cli.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Medians per (max-bandwidth, channels, mode) and the relayed-vs-direct comparison the issue sets
 * targets for: throughput ratio &ge; {@value #TARGET_RATIO}, downtime within {@value #TARGET_DOWNTIME_MS} ms.
 * Modes: {@code direct}, {@code relayed} (the daemons' default, encrypted) and, when measured,
 * {@code plain} (relayed with {@code --migration-encryption off}); with plain samples the report also
 * gives what encryption costs: encrypted against plain throughput, downtime and daemon CPU per GiB.
 *
 * <p>Not thread-safe; filled and printed by the benchmark's thread.
 */
final class MigrationBenchReport {
    static final double TARGET_RATIO = 0.95;
    static final long TARGET_DOWNTIME_MS = 5;

    /** One comparison: the same channel count under the same bandwidth cap. */
    record Setting(long bandwidthMbps, int channels) {
        static final Comparator<Setting> ORDER = Comparator.comparingLong(Setting::bandwidthMbps).thenComparingInt(Setting::channels);

        String label() {
            return (channels == 1 ? "1" : channels + " mfd") + " @" + bandwidthMbps;
        }
    }

    static final List<String> MODES = List.of("direct", "relayed", "plain");

    private final List<MigrationSample> samples = new ArrayList<>();

    void add(MigrationSample s) {
        samples.add(s);
    }

    List<MigrationSample> samples(String mode, Setting setting) {
        return samples.stream().filter(s -> s.mode().equals(mode) && s.channels() == setting.channels()
                && s.bandwidthMbps() == setting.bandwidthMbps()).toList();
    }

    List<Setting> settings() {
        return samples.stream().map(s -> new Setting(s.bandwidthMbps(), s.channels())).distinct().sorted(Setting.ORDER).toList();
    }

    static double median(List<MigrationSample> xs, ToDoubleFunction<MigrationSample> f) {
        double[] v = xs.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Relayed median throughput / direct median throughput. */
    double throughputRatio(Setting setting) {
        return throughputRatio("relayed", "direct", setting);
    }

    /** Median throughput of mode {@code a} / that of mode {@code b}. */
    double throughputRatio(String a, String b, Setting setting) {
        return median(samples(a, setting), MigrationSample::mbps) / median(samples(b, setting), MigrationSample::mbps);
    }

    /** Median of {@code f} in mode {@code a} minus that in mode {@code b}. */
    double difference(String a, String b, Setting setting, ToDoubleFunction<MigrationSample> f) {
        return median(samples(a, setting), f) - median(samples(b, setting), f);
    }

    /** Relayed median downtime minus direct median downtime, ms. */
    double downtimeDifferenceMs(Setting setting) {
        return median(samples("relayed", setting), MigrationSample::downtimeMs)
                - median(samples("direct", setting), MigrationSample::downtimeMs);
    }

    /** Relayed median whole pause minus direct median whole pause, ms. */
    double switchoverDifferenceMs(Setting setting) {
        return median(samples("relayed", setting), MigrationSample::switchoverMs)
                - median(samples("direct", setting), MigrationSample::switchoverMs);
    }

    void print(PrintStream out) {
        out.printf("%n%-8s %-16s %4s %10s %10s %10s %12s %12s %10s %16s%n", "mode", "channels @cap", "n", "total ms", "downtime",
                "paused", "RAM MiB", "Mbit/s", "wall ms", "vmmd CPU s/GiB");
        for (Setting setting : settings()) {
            for (String mode : MODES) {
                List<MigrationSample> xs = samples(mode, setting);
                if (xs.isEmpty()) {
                    continue;
                }
                double cpu = median(xs, MigrationSample::daemonCpuSecondsPerGiB);
                out.printf("%-8s %-16s %4d %10.0f %10.0f %10.0f %12.1f %12.0f %10.0f %16s%n", mode, setting.label(),
                        xs.size(), median(xs, MigrationSample::totalMs), median(xs, MigrationSample::downtimeMs),
                        median(xs, MigrationSample::switchoverMs),
                        median(xs, s -> s.transferredBytes() / 1048576.0), median(xs, MigrationSample::mbps),
                        median(xs, MigrationSample::wallMs), Double.isNaN(cpu) ? "-" : String.format("%.2f", cpu));
            }
        }
        out.println("(medians; @cap = QEMU max-bandwidth in Mbit/s; relayed = through two vmmds, encrypted (the default); plain ="
                + " the same with --migration-encryption off; downtime = QEMU's (stop to the source's last byte); paused ="
                + " the guest's whole pause, until the target ran it; Mbit/s = RAM transferred / QEMU total-time; vmmd CPU = both"
                + " daemons, relay included)");
        out.println();
        for (Setting setting : settings()) {
            double ratio = throughputRatio(setting);
            double dt = downtimeDifferenceMs(setting);
            double paused = switchoverDifferenceMs(setting);
            out.printf("%-16s relayed/direct throughput %.3f (target >= %.2f: %s), downtime relayed-direct %+.0f ms"
                            + " (target at most +%d ms: %s), paused relayed-direct %+.0f ms (%s)%n", setting.label(),
                    ratio, TARGET_RATIO, ratio >= TARGET_RATIO ? "met" : "missed", dt, TARGET_DOWNTIME_MS,
                    dt <= TARGET_DOWNTIME_MS ? "met" : "missed", paused, paused <= TARGET_DOWNTIME_MS ? "met" : "missed");
        }
        for (Setting setting : settings()) {
            if (samples("plain", setting).isEmpty() || samples("relayed", setting).isEmpty()) {
                continue;
            }
            out.printf("%-16s encryption: encrypted/plain throughput %.3f (plain/direct %.3f), downtime encrypted-plain %+.0f ms,"
                            + " paused %+.0f ms, vmmd CPU s/GiB encrypted %.2f / plain %.2f%n", setting.label(),
                    throughputRatio("relayed", "plain", setting), throughputRatio("plain", "direct", setting),
                    difference("relayed", "plain", setting, MigrationSample::downtimeMs),
                    difference("relayed", "plain", setting, MigrationSample::switchoverMs),
                    median(samples("relayed", setting), MigrationSample::daemonCpuSecondsPerGiB),
                    median(samples("plain", setting), MigrationSample::daemonCpuSecondsPerGiB));
        }
    }
}
