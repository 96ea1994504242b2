package io.vmflex.cli.bench;

import io.vmflex.cli.bench.AutoscaleAnalysis.LoadRun;
import io.vmflex.cli.bench.AutoscaleAnalysis.MemoryRun;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The results of {@code vmflex bench autoscale} per rule set: p50/p95 of each latency, the resizes
 * during a steady load, the targets issue 15 sets (load step p50 &le; {@value #TARGET_UP_MS} ms and
 * &ge; {@value #TARGET_RATIO}x faster than Neon's rules, back to the minimum within
 * {@value #TARGET_DOWN_MS} ms, no flapping, memory plugged &le; {@value #TARGET_MEMORY_MS} ms after
 * the monitor asked), and the raw samples as CSV. Only valid runs count (see {@link AutoscaleAnalysis}).
 *
 * <p>Not thread-safe; filled and printed by the benchmark's thread.
 */
final class AutoscaleReport {
    static final long TARGET_UP_MS = 2_000;
    static final double TARGET_RATIO = 3.0;
    static final long TARGET_DOWN_MS = 120_000;
    static final long TARGET_MEMORY_MS = 1_000;
    /** The fast rule set and its baseline, as {@code --rules} names them. */
    static final String FAST = "vmflex";
    static final String BASELINE = "neon";

    private final Map<String, List<LoadRun>> load = new LinkedHashMap<>();
    private final Map<String, List<MemoryRun>> memory = new LinkedHashMap<>();

    void load(String rules, List<LoadRun> runs) {
        load.put(rules, List.copyOf(runs));
    }

    void memory(String rules, List<MemoryRun> runs) {
        memory.put(rules, List.copyOf(runs));
    }

    /** The valid runs' values of one measurement; runs where it is missing are left out (see {@link #missed}). */
    static <R> List<Long> values(List<R> runs, Predicate<R> valid, Function<R, OptionalLong> value) {
        List<Long> out = new ArrayList<>();
        for (R r : runs) {
            OptionalLong v = value.apply(r);
            if (valid.test(r) && v.isPresent()) {
                out.add(v.getAsLong());
            }
        }
        return out;
    }

    static <R> long missed(List<R> runs, Predicate<R> valid, Function<R, OptionalLong> value) {
        return runs.stream().filter(r -> valid.test(r) && value.apply(r).isEmpty()).count();
    }

    OptionalLong upP50(String rules) {
        return Percentile.of(values(load.getOrDefault(rules, List.of()), LoadRun::valid, LoadRun::upMs), 50);
    }

    /** Baseline p50 / vmflex p50 of the load step; NaN when either is missing. */
    double upRatio() {
        OptionalLong fast = upP50(FAST);
        OptionalLong base = upP50(BASELINE);
        return fast.isPresent() && base.isPresent() && fast.getAsLong() > 0
                ? (double) base.getAsLong() / fast.getAsLong() : Double.NaN;
    }

    void print(PrintStream out) {
        out.printf("%n%-8s %-44s %4s %10s %10s %7s%n", "rules", "measurement", "n", "p50", "p95", "missed");
        load.forEach((rules, runs) -> {
            row(out, rules, "load step -> 2nd vCPU online", runs, LoadRun::valid, LoadRun::upMs);
            row(out, rules, "  of which: load step -> vCPU plugged (host)", runs, LoadRun::valid, LoadRun::pluggedMs);
            row(out, rules, "load stops -> back to 1 vCPU", runs, LoadRun::valid, LoadRun::downMs);
            List<LoadRun> valid = runs.stream().filter(LoadRun::valid).toList();
            out.printf("%-8s %-44s %4d %10s %10s %7s%n", rules, "resizes under steady load, besides the up", valid.size(),
                    "total " + valid.stream().mapToInt(LoadRun::extraResizes).sum(),
                    "max " + valid.stream().mapToInt(LoadRun::extraResizes).max().orElse(0), "");
            out.printf("%-8s %-44s %4d %10s %10s %7s%n", rules, "guest vCPU changes during steady load", valid.size(),
                    "total " + valid.stream().mapToInt(LoadRun::guestCpuChanges).sum(),
                    "max " + valid.stream().mapToInt(LoadRun::guestCpuChanges).max().orElse(0), "");
            double busy = AutoscaleAnalysis.median(valid.stream().mapToDouble(LoadRun::hostBusyBeforeUp).filter(Double::isFinite)
                    .toArray());
            out.printf(Locale.ROOT, "%-8s %-44s %4d %10s%n", rules, "host-measured busy, loaded at 1 vCPU", valid.size(),
                    Double.isNaN(busy) ? "-" : String.format(Locale.ROOT, "%.2f", busy));
        });
        memory.forEach((rules, runs) -> {
            row(out, rules, "memory: monitor request -> plugged", runs, MemoryRun::valid, MemoryRun::requestToPluggedMs);
            row(out, rules, "  of which: request -> virtio-mem resized", runs, MemoryRun::valid, MemoryRun::requestToResizeMs);
            row(out, rules, "memory: guest starts writing -> plugged", runs, MemoryRun::valid, MemoryRun::fillToPluggedMs);
            List<MemoryRun> valid = runs.stream().filter(MemoryRun::valid).toList();
            out.printf("%-8s %-44s %4d   monitor asked in %d, agent upscaled on metrics before any request in %d%n", rules,
                    "memory: what started the upscale", valid.size(), valid.stream().filter(MemoryRun::requested).count(),
                    valid.stream().filter(MemoryRun::agentFirst).count());
        });
        long invalid = load.values().stream().flatMap(List::stream).filter(r -> !r.valid()).count()
                + memory.values().stream().flatMap(List::stream).filter(r -> !r.valid()).count();
        out.println("(ms, nearest-rank percentiles over valid runs; " + invalid + " runs left out because they began"
                + " before the guest monitor connected; missed = the step timed out in the guest; host-measured busy = median"
                + " over the runs of the VM's CPU time per second per vCPU the daemon measured before the upscale, what vmflex's"
                + " fast signal reads: below 0.95 a saturated guest is not seen as saturated)");
        out.println();
        targets(out);
    }

    private void targets(PrintStream out) {
        OptionalLong up = upP50(FAST);
        if (up.isPresent()) {
            out.printf(Locale.ROOT, "load step p50 %s: %d ms (target <= %d ms: %s)%n", FAST, up.getAsLong(), TARGET_UP_MS,
                    up.getAsLong() <= TARGET_UP_MS ? "met" : "missed");
        }
        double ratio = upRatio();
        if (!Double.isNaN(ratio)) {
            out.printf(Locale.ROOT, "load step p50 %s/%s: %.1fx (target >= %.0fx: %s)%n", BASELINE, FAST, ratio, TARGET_RATIO,
                    ratio >= TARGET_RATIO ? "met" : "missed");
        }
        load.forEach((rules, runs) -> {
            OptionalLong p95 = Percentile.of(values(runs, LoadRun::valid, LoadRun::downMs), 95);
            int flaps = runs.stream().filter(LoadRun::valid).mapToInt(LoadRun::extraResizes).sum();
            out.printf(Locale.ROOT, "%s: back to minimum p95 %s (target <= %d ms: %s); resizes back and forth under steady"
                            + " load: %d (target 0: %s)%n", rules, p95.isPresent() ? p95.getAsLong() + " ms" : "-", TARGET_DOWN_MS,
                    p95.isPresent() && p95.getAsLong() <= TARGET_DOWN_MS ? "met" : "missed", flaps, flaps == 0 ? "met" : "missed");
        });
        memory.forEach((rules, runs) -> {
            OptionalLong p50 = Percentile.of(values(runs, MemoryRun::valid, MemoryRun::requestToPluggedMs), 50);
            out.printf(Locale.ROOT, "%s: memory plugged after the monitor's request p50 %s (target <= %d ms: %s)%n", rules,
                    p50.isPresent() ? p50.getAsLong() + " ms" : "-", TARGET_MEMORY_MS,
                    p50.isPresent() && p50.getAsLong() <= TARGET_MEMORY_MS ? "met" : "missed");
        });
    }

    private static <R> void row(PrintStream out, String rules, String what, List<R> runs, Predicate<R> valid,
                                Function<R, OptionalLong> value) {
        List<Long> xs = values(runs, valid, value);
        out.printf("%-8s %-44s %4d %10s %10s %7d%n", rules, what, xs.size(), text(Percentile.of(xs, 50)),
                text(Percentile.of(xs, 95)), missed(runs, valid, value));
    }

    private static String text(OptionalLong v) {
        return v.isPresent() ? Long.toString(v.getAsLong()) : "-";
    }

    /** Every run's measurements, one line each: {@code rules,phase,run,valid,measurement...} (empty = missing). */
    String csv() {
        StringBuilder b = new StringBuilder("rules,phase,run,valid,up_ms,plugged_ms,down_ms,extra_resizes,guest_cpu_changes,load1_at_start,"
                + "host_busy_before_up,request_to_plugged_ms,request_to_resize_ms,fill_to_plugged_ms,filled_to_plugged_ms,monitor_requested,agent_first\n");
        load.forEach((rules, runs) -> runs.forEach(r -> b.append(rules).append(",load,").append(r.run()).append(',')
                .append(r.valid()).append(',').append(cell(r.upMs())).append(',').append(cell(r.pluggedMs())).append(',')
                .append(cell(r.downMs())).append(',')
                .append(r.extraResizes()).append(',').append(r.guestCpuChanges()).append(',').append(r.load1AtStart()).append(',')
                .append(Double.isNaN(r.hostBusyBeforeUp()) ? "" : String.format(Locale.ROOT, "%.2f", r.hostBusyBeforeUp()))
                .append(",,,,,,\n")));
        memory.forEach((rules, runs) -> runs.forEach(r -> b.append(rules).append(",memory,").append(r.run()).append(',')
                .append(r.valid()).append(",,,,,,,,").append(cell(r.requestToPluggedMs())).append(',')
                .append(cell(r.requestToResizeMs())).append(',')
                .append(cell(r.fillToPluggedMs())).append(',').append(cell(r.filledToPluggedMs())).append(',')
                .append(r.requested()).append(',').append(r.agentFirst()).append('\n')));
        return b.toString();
    }

    private static String cell(OptionalLong v) {
        return v.isPresent() ? Long.toString(v.getAsLong()) : "";
    }
}
