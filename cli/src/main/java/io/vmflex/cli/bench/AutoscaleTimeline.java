package io.vmflex.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code vmflex bench autoscale} hears from one VM, each item stamped with
 * {@link System#nanoTime()} when it arrived: the guest's console (the schedule's markers, the
 * guest's {@code cpus=N memtotal_kb=M} reports, the monitor's "connected" line) and the node's
 * events for the VM. Latencies are differences between two arrivals over the same daemon, so the
 * console's own delay counts at both ends.
 *
 * <p>Thread-safe: the console and event followers add from their threads, the benchmark reads
 * snapshots.
 */
final class AutoscaleTimeline {
    private static final Pattern MARKER = Pattern.compile(Pattern.quote(AutoscaleGuestScripts.MARKER)
            + " (load on|load off|fill|filled) run=(\\d+)(.*)|" + Pattern.quote(AutoscaleGuestScripts.MARKER) + " done");
    private static final Pattern REPORT = Pattern.compile("vmflex-guest: cpus=(\\d+) memtotal_kb=(\\d+)");
    private static final String MONITOR_CONNECTED = "vmflex-monitor: connected";

    /** A step of the guest's schedule. */
    enum Step {
        LOAD_ON, LOAD_OFF, FILL, FILLED, DONE;

        static Step of(String text) {
            return switch (text) {
                case "load on" -> LOAD_ON;
                case "load off" -> LOAD_OFF;
                case "fill" -> FILL;
                case "filled" -> FILLED;
                default -> throw new IllegalArgumentException("no step " + text);
            };
        }
    }

    /** One thing heard, with its arrival time. */
    sealed interface Heard permits Marker, Report, MonitorConnected, Event, Reading {
        long atNanos();
    }

    /** A schedule marker; {@code run} is 0 for {@link Step#DONE}; {@code detail} is what follows the run number. */
    record Marker(long atNanos, Step step, int run, String detail) implements Heard {
    }

    /** {@code vmflex-guest: cpus=N memtotal_kb=M}: the guest's view after a change (and once a second). */
    record Report(long atNanos, int cpus, long memTotalKb) implements Heard {
    }

    /** The guest monitor's session with the host is up: from here on the agent gets metrics. */
    record MonitorConnected(long atNanos) implements Heard {
    }

    /** A node event about the VM (vmmd's, or the agent's decisions): reason and message. */
    record Event(long atNanos, String reason, String message) implements Heard {
    }

    /**
     * The daemon's metrics for the VM, read once a second: {@code hostBusy} is the host-measured CPU time of
     * the VM over its last second against its allocation (vmflex's fast signal), {@code guestLoad1} the
     * guest's own 1-minute load average (Neon's). NaN when the daemon had none.
     */
    record Reading(long atNanos, double hostBusy, double guestLoad1) implements Heard {
    }

    private final List<Heard> heard = new ArrayList<>();

    void console(String line, long atNanos) {
        parseConsole(line, atNanos).ifPresent(this::add);
    }

    void event(String ndjsonLine, long atNanos) {
        parseEvent(ndjsonLine, atNanos).ifPresent(this::add);
    }

    /** One answer of {@code GET /v1/vms/NAME/metrics}; ignored when it is not JSON. */
    void metrics(String json, long atNanos) {
        parseMetrics(json, atNanos).ifPresent(this::add);
    }

    private synchronized void add(Heard h) {
        heard.add(h);
    }

    synchronized List<Heard> snapshot() {
        return List.copyOf(heard);
    }

    /** The items as text, one line each, with milliseconds since {@code t0}: the raw record of a run. */
    static String render(String label, List<Heard> heard, long t0) {
        StringBuilder b = new StringBuilder();
        for (Heard h : heard) {
            b.append(String.format(java.util.Locale.ROOT, "%s %10.3f ", label, (h.atNanos() - t0) / 1e9));
            switch (h) {
                case Marker m -> b.append("marker ").append(m.step()).append(" run=").append(m.run()).append(' ').append(m.detail());
                case Report r -> b.append("guest cpus=").append(r.cpus()).append(" memtotal_kb=").append(r.memTotalKb());
                case MonitorConnected c -> b.append("monitor connected");
                case Event e -> b.append("event ").append(e.reason()).append(": ").append(e.message());
                case Reading r -> b.append(String.format(java.util.Locale.ROOT, "metrics host busy %.2f, guest load1 %.2f",
                        r.hostBusy(), r.guestLoad1()));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** A console line as something heard, or empty for the rest of the console. */
    static Optional<Heard> parseConsole(String line, long atNanos) {
        Matcher m = MARKER.matcher(line);
        if (m.find()) {
            if (m.group(1) == null) {
                return Optional.of(new Marker(atNanos, Step.DONE, 0, ""));
            }
            return Optional.of(new Marker(atNanos, Step.of(m.group(1)), Integer.parseInt(m.group(2)), m.group(3).trim()));
        }
        Matcher r = REPORT.matcher(line);
        if (r.find()) {
            return Optional.of(new Report(atNanos, Integer.parseInt(r.group(1)), Long.parseLong(r.group(2))));
        }
        if (line.contains(MONITOR_CONNECTED)) {
            return Optional.of(new MonitorConnected(atNanos));
        }
        return Optional.empty();
    }

    static Optional<Heard> parseMetrics(String json, long atNanos) {
        JsonNode m;
        try {
            m = ApiMapper.json().readTree(json);
        } catch (IOException notJson) {
            return Optional.empty();
        }
        if (m == null || !m.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new Reading(atNanos, m.path("host").path("cpuBusyFraction").asDouble(Double.NaN),
                m.path("metrics").path("loadAvg1").asDouble(Double.NaN)));
    }

    /** One line of {@code GET /v1/events?watch=true}; empty when it is not an event. */
    static Optional<Heard> parseEvent(String line, long atNanos) {
        JsonNode e;
        try {
            e = ApiMapper.json().readTree(line);
        } catch (IOException notJson) {
            return Optional.empty();
        }
        if (e == null || !e.path("reason").isTextual()) {
            return Optional.empty();
        }
        return Optional.of(new Event(atNanos, e.path("reason").asText(), e.path("message").asText("")));
    }
}
