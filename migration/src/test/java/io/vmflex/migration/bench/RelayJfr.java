package io.vmflex.migration.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * One long vmflex relay run (default 10 GiB) under a JFR recording, then the recording read back:
 * every allocation event attributed to a relay thread ({@code vmflex-relay-*}) is listed with its
 * class and top frame, plus the JVM's own per-thread allocation counters
 * ({@code jdk.ThreadAllocationStatistics}) and the relay threads' CPU time per GiB. The same path as
 * {@link RelayBench}: writer ─unix─▶ MigrationSource ─TCP─▶ MigrationListener ─unix─▶ reader.
 *
 * <p>Events enabled: {@code jdk.ObjectAllocationSample} (throttle off: every sampled allocation),
 * {@code jdk.ObjectAllocationInNewTLAB} and {@code jdk.ObjectAllocationOutsideTLAB} (a thread that
 * allocates anything at all in its loop must refill its TLAB sooner or later, so a relay loop that
 * allocates per chunk shows thousands of these), {@code jdk.ThreadAllocationStatistics} every second,
 * {@code jdk.GarbageCollection}.
 *
 * <p>Arguments: {@code --gib N} (default 10), {@code --variant SPEC} as in RelayBench (default
 * {@code 1m}), {@code --jfr FILE} where to keep the recording (default a temp file, deleted).
 */
public final class RelayJfr {

    private static final String RELAY_THREAD_PREFIX = "vmflex-relay-";

    private RelayJfr() {
    }

    public static void main(String[] args) throws Exception {
        double gib = 10;
        String variant = "1m";
        Path keep = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--gib" -> gib = Double.parseDouble(args[i + 1]);
                case "--variant" -> variant = args[i + 1];
                case "--jfr" -> keep = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        long bytes = (long) (gib * (1L << 30));
        Path dir = Files.createTempDirectory("relayjfr");
        Path file = keep != null ? keep : dir.resolve("relay.jfr");

        // Warm-up outside the recording, so one-time class loading and JIT of the JDK's channel code
        // do not count as "the relay loop".
        RelayBench.vmflex(dir, 256L << 20, RelayBench.Variant.parse(variant));

        RelayBenchResult result;
        try (Recording rec = new Recording()) {
            rec.enable("jdk.ObjectAllocationSample").with("throttle", "off").withStackTrace();
            rec.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
            rec.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
            rec.enable("jdk.ThreadAllocationStatistics").withPeriod(Duration.ofSeconds(1));
            rec.enable("jdk.GarbageCollection");
            rec.start();
            result = RelayBench.vmflex(dir, bytes, RelayBench.Variant.parse(variant));
            rec.stop();
            rec.dump(file);
        }
        report(file, result);
        if (keep == null) {
            Files.deleteIfExists(file);
        }
    }

    private static void report(Path file, RelayBenchResult result) throws Exception {
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Map<String, long[]> relayAllocations = new TreeMap<>(); // "event | class | top frame" -> {count, bytes}
        Map<String, long[]> allThreads = new TreeMap<>(); // thread -> {events, bytes}
        Map<String, long[]> threadStats = new HashMap<>(); // relay thread -> {min, max} allocated counter
        int gcs = 0;
        for (RecordedEvent e : events) {
            String type = e.getEventType().getName();
            switch (type) {
                case "jdk.GarbageCollection" -> gcs++;
                case "jdk.ThreadAllocationStatistics" -> {
                    RecordedThread t = e.getThread("thread");
                    if (t != null && name(t).startsWith(RELAY_THREAD_PREFIX)) {
                        long v = e.getLong("allocated");
                        threadStats.merge(name(t), new long[] {v, v},
                                (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                    }
                }
                default -> {
                    if (!type.startsWith("jdk.ObjectAllocation")) {
                        continue;
                    }
                    String thread = name(e.getThread());
                    long size = type.equals("jdk.ObjectAllocationSample") ? e.getLong("weight") : e.getLong("allocationSize");
                    allThreads.merge(thread, new long[] {1, size}, RelayJfr::sum);
                    if (thread.startsWith(RELAY_THREAD_PREFIX)) {
                        String key = type.substring(4) + " | " + e.getClass("objectClass").getName() + " | " + topFrame(e);
                        relayAllocations.merge(key, new long[] {1, size}, RelayJfr::sum);
                    }
                }
            }
        }
        double gibs = result.bytes() / (double) (1L << 30);
        System.out.printf(Locale.ROOT, "%n=== JFR allocation report: %.1f GiB relayed, %s ===%n", gibs, result.variant());
        System.out.printf(Locale.ROOT, "throughput %.2f Gbit/s; relay threads' CPU %.3f s per GiB (both hops); GCs during the run: %d%n",
                result.gbit(), result.relayCpuNanos() / 1e9 / gibs, gcs);
        System.out.printf(Locale.ROOT, "ThreadMXBean, relay loops: %d bytes allocated in total%n", result.relayAllocatedBytes());
        System.out.println("jdk.ThreadAllocationStatistics per relay thread (growth of its allocated-bytes counter during the run):");
        threadStats.forEach((t, mm) -> System.out.printf(Locale.ROOT, "  %-40s %d B%n", t, mm[1] - mm[0]));
        System.out.println("allocation events on relay threads (event | class | top 3 frames -> count, bytes):");
        if (relayAllocations.isEmpty()) {
            System.out.println("  none");
        }
        relayAllocations.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %s -> %d, %d B%n", k, v[0], v[1]));
        System.out.println("allocation events per thread, all threads (for contrast):");
        allThreads.forEach((t, v) -> System.out.printf(Locale.ROOT, "  %-40s %d events, %d B%n", t, v[0], v[1]));
    }

    private static long[] sum(long[] a, long[] b) {
        return new long[] {a[0] + b[0], a[1] + b[1]};
    }

    private static String name(RecordedThread t) {
        if (t == null) {
            return "?";
        }
        String n = t.getJavaName();
        return n != null ? n : t.getOSName();
    }

    private static String topFrame(RecordedEvent e) {
        if (e.getStackTrace() == null || e.getStackTrace().getFrames().isEmpty()) {
            return "?";
        }
        StringBuilder sb = new StringBuilder();
        List<RecordedFrame> frames = e.getStackTrace().getFrames();
        for (int i = 0; i < Math.min(3, frames.size()); i++) {
            RecordedFrame f = frames.get(i);
            sb.append(i == 0 ? "" : " < ").append(f.getMethod().getType().getName()).append('.')
                    .append(f.getMethod().getName()).append(':').append(f.getLineNumber());
        }
        return sb.toString();
    }
}
