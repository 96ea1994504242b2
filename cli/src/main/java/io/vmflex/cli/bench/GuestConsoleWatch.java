package io.vmflex.cli.bench;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Receives guest console lines as they arrive (from any source), stamps them with
 * {@link System#nanoTime()} on arrival, and lets a benchmark wait for the first report after a
 * point in time that satisfies a condition.
 *
 * <p>Thread-safe: one thread feeds lines, the benchmark thread waits.
 */
final class GuestConsoleWatch {
    private static final Pattern REPORT = Pattern.compile("vmflex-guest: cpus=(\\d+) memtotal_kb=(\\d+)");

    record Report(int cpus, long memTotalKb, long arrivedNanos) {
    }

    private final LinkedBlockingQueue<Report> reports = new LinkedBlockingQueue<>();

    void accept(String line) {
        long now = System.nanoTime();
        Matcher m = REPORT.matcher(line);
        if (m.find()) {
            reports.add(new Report(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), now));
        }
    }

    /** Drops what arrived so far, so the next wait sees only reports made after the action. */
    void clear() {
        reports.clear();
    }

    Report await(Predicate<Report> ok, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Report r = left > 0 ? reports.poll(left, TimeUnit.NANOSECONDS) : null;
            if (r == null) {
                throw new IllegalStateException("guest did not report the expected state within " + timeout.toSeconds() + " s");
            }
            if (ok.test(r)) {
                return r;
            }
        }
    }
}
