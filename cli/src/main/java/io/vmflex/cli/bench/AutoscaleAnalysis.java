package io.vmflex.cli.bench;

import io.vmflex.api.guest.GuestMessage;
import io.vmflex.cli.bench.AutoscaleTimeline.Event;
import io.vmflex.cli.bench.AutoscaleTimeline.Heard;
import io.vmflex.cli.bench.AutoscaleTimeline.Marker;
import io.vmflex.cli.bench.AutoscaleTimeline.MonitorConnected;
import io.vmflex.cli.bench.AutoscaleTimeline.Reading;
import io.vmflex.cli.bench.AutoscaleTimeline.Report;
import io.vmflex.cli.bench.AutoscaleTimeline.Step;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * Turns what was heard from a VM ({@link AutoscaleTimeline}) into one result per run of the guest's
 * schedule. Pure: the same list gives the same results, so it runs again on every new line while
 * the benchmark waits, and on made-up timelines in tests.
 *
 * <p>A run counts only once the guest monitor had connected before its step began ({@code valid}):
 * before that the agent has no metrics, and the step would measure the guest's boot.
 */
final class AutoscaleAnalysis {
    /** vmmd's event for a guest monitor's upscale request (its message names the monitor). */
    static final String MONITOR_REQUEST_REASON = GuestMessage.UpscaleRequest.EVENT_REASON;
    static final String MONITOR_REQUEST_TEXT = "guest monitor";
    static final String SCALED_UP = "ScaledUp";
    static final String SCALED_DOWN = "ScaledDown";
    /** vmmd's events when QEMU was told: a vCPU plugged, virtio-mem's requested size set. */
    static final String CPU_PLUGGED = "CpuPlugged";
    static final String MEMORY_RESIZE = "MemoryResize";

    private AutoscaleAnalysis() {
    }

    /**
     * One load step.
     *
     * @param upMs          {@code load on} marker → first report of 2 or more vCPUs (before {@code load off})
     * @param pluggedMs     {@code load on} marker → vmmd's {@code CpuPlugged} event: the host's part of {@code upMs}
     *                      (metrics, decision, permit, patch, QMP); the rest is the guest onlining the vCPU
     * @param downMs        {@code load off} marker → first report of 1 vCPU; empty when the guest did not have more
     *                      than 1 vCPU when the load ended
     * @param extraResizes  the agent's resizes while the load lasted, besides the one upscale
     *                      ({@code ScaledUp}/{@code ScaledDown} events between the two markers): flapping
     * @param guestCpuChanges changes of the guest's vCPU count after it first had 2, while the load lasted
     * @param load1AtStart  the guest's 1-minute load average when the step began (the marker says)
     * @param hostBusyBeforeUp median of the host-measured busy fraction the daemon reported between the step
     *                      and the upscale (or the end of the load): how much CPU the host gave the loaded VM;
     *                      NaN without readings
     * @param complete      the run's last measurement is in (its {@code load off} and the way back down, or
     *                      the next step or the end began without it)
     */
    record LoadRun(int run, boolean valid, OptionalLong upMs, OptionalLong pluggedMs, OptionalLong downMs, int extraResizes, int guestCpuChanges,
                   String load1AtStart, double hostBusyBeforeUp, boolean complete) {
    }

    /**
     * One memory step.
     *
     * @param requestToPluggedMs the monitor's upscale request (vmmd's event) → first report of the grown
     *                           MemTotal; empty when the memory grew before any request was heard
     * @param requestToResizeMs  the monitor's request → vmmd's {@code MemoryResize} event (virtio-mem's requested
     *                           size set): the host's part of {@code requestToPluggedMs}; the rest is the guest
     *                           plugging and onlining the memory
     * @param fillToPluggedMs    {@code fill} marker (the guest starts writing) → grown MemTotal
     * @param filledToPluggedMs  {@code filled} marker (the write is done) → grown MemTotal; negative when the
     *                           memory came while the guest was still writing
     * @param requested          a monitor request was heard during the step
     * @param agentFirst         the agent's upscale ({@code ScaledUp}) came before any monitor request: it
     *                           acted on the metrics' used memory, not on the request
     * @param complete           the guest's schedule went on past the step (the next step or its end): all
     *                           of the step's lines are in
     */
    record MemoryRun(int run, boolean valid, OptionalLong requestToPluggedMs, OptionalLong requestToResizeMs,
                     OptionalLong fillToPluggedMs,
                     OptionalLong filledToPluggedMs, boolean requested, boolean agentFirst, boolean complete) {
    }

    static List<LoadRun> loadRuns(List<Heard> heard) {
        long connectedAt = connectedAt(heard);
        List<LoadRun> out = new ArrayList<>();
        for (Marker on : markers(heard, Step.LOAD_ON)) {
            Optional<Marker> off = marker(heard, Step.LOAD_OFF, on.run());
            long offAt = off.map(Marker::atNanos).orElse(Long.MAX_VALUE);
            long endAt = nextStepAt(heard, on, Step.LOAD_ON);
            Optional<Report> up = first(heard, Report.class, on.atNanos(), Math.min(offAt, endAt), r -> r.cpus() >= 2);
            // Back down only from more than 1 vCPU: a guest that never got its second one has no way back.
            Optional<Report> down = off.filter(o -> last(heard, Report.class, o.atNanos()).filter(r -> r.cpus() >= 2).isPresent())
                    .flatMap(o -> first(heard, Report.class, o.atNanos(), endAt, r -> r.cpus() == 1));
            int ups = 0;
            int downs = 0;
            for (Event e : between(heard, Event.class, on.atNanos(), Math.min(offAt, endAt))) {
                ups += e.reason().equals(SCALED_UP) ? 1 : 0;
                downs += e.reason().equals(SCALED_DOWN) ? 1 : 0;
            }
            int changes = 0;
            if (up.isPresent()) {
                int last = up.get().cpus();
                for (Report r : between(heard, Report.class, up.get().atNanos(), Math.min(offAt, endAt))) {
                    if (r.cpus() != last) {
                        changes++;
                        last = r.cpus();
                    }
                }
            }
            Optional<Event> plugged = first(heard, Event.class, on.atNanos(), Math.min(offAt, endAt),
                    e -> e.reason().equals(CPU_PLUGGED));
            long loadedUntil = up.map(Report::atNanos).orElse(Math.min(offAt, endAt));
            double busy = median(between(heard, Reading.class, on.atNanos(), loadedUntil).stream().mapToDouble(Reading::hostBusy)
                    .filter(Double::isFinite).toArray());
            boolean complete = down.isPresent() || endAt != Long.MAX_VALUE;
            out.add(new LoadRun(on.run(), on.atNanos() > connectedAt, since(on, up), since(on, plugged), off.isPresent() ? since(off.get(), down)
                    : OptionalLong.empty(), downs + Math.max(0, ups - 1), changes, load1(on.detail()), busy, complete));
        }
        return out;
    }

    static List<MemoryRun> memoryRuns(List<Heard> heard, long grownKb) {
        long connectedAt = connectedAt(heard);
        List<MemoryRun> out = new ArrayList<>();
        for (Marker fill : markers(heard, Step.FILL)) {
            long endAt = nextStepAt(heard, fill, Step.FILL);
            Optional<Report> before = last(heard, Report.class, fill.atNanos());
            if (before.isEmpty()) {
                out.add(new MemoryRun(fill.run(), false, OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                        OptionalLong.empty(), false, false, endAt != Long.MAX_VALUE));
                continue;
            }
            long base = before.get().memTotalKb();
            Optional<Marker> filled = marker(heard, Step.FILLED, fill.run());
            Optional<Report> plugged = first(heard, Report.class, fill.atNanos(), endAt, r -> r.memTotalKb() >= base + grownKb);
            Optional<Event> request = first(heard, Event.class, fill.atNanos(), endAt,
                    e -> e.reason().equals(MONITOR_REQUEST_REASON) && e.message().contains(MONITOR_REQUEST_TEXT));
            Optional<Event> scaledUp = first(heard, Event.class, fill.atNanos(), endAt, e -> e.reason().equals(SCALED_UP));
            OptionalLong requestToPlugged = request.isPresent() && plugged.isPresent()
                    && request.get().atNanos() <= plugged.get().atNanos() ? since(request.get(), plugged) : OptionalLong.empty();
            Optional<Event> resized = request.flatMap(q -> first(heard, Event.class, q.atNanos(), endAt,
                    e -> e.reason().equals(MEMORY_RESIZE)));
            boolean agentFirst = scaledUp.isPresent()
                    && (request.isEmpty() || scaledUp.get().atNanos() < request.get().atNanos());
            OptionalLong requestToResize = request.isPresent() ? since(request.get(), resized) : OptionalLong.empty();
            out.add(new MemoryRun(fill.run(), fill.atNanos() > connectedAt, requestToPlugged, requestToResize, since(fill, plugged),
                    filled.isPresent() ? since(filled.get(), plugged) : OptionalLong.empty(), request.isPresent(), agentFirst,
                    endAt != Long.MAX_VALUE));
        }
        return out;
    }

    /** Whether the guest has printed its last marker. */
    static boolean done(List<Heard> heard) {
        return !markers(heard, Step.DONE).isEmpty();
    }

    static double median(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String load1(String detail) {
        return detail.startsWith("load1=") ? detail.substring("load1=".length()) : "";
    }

    private static long connectedAt(List<Heard> heard) {
        return heard.stream().filter(h -> h instanceof MonitorConnected).mapToLong(Heard::atNanos).findFirst()
                .orElse(Long.MAX_VALUE);
    }

    private static List<Marker> markers(List<Heard> heard, Step step) {
        return heard.stream().filter(h -> h instanceof Marker m && m.step() == step).map(Marker.class::cast).toList();
    }

    private static Optional<Marker> marker(List<Heard> heard, Step step, int run) {
        return markers(heard, step).stream().filter(m -> m.run() == run).findFirst();
    }

    /** When the next run's first step (or the end of the schedule) was heard, else MAX_VALUE. */
    private static long nextStepAt(List<Heard> heard, Marker from, Step first) {
        return heard.stream().filter(h -> h instanceof Marker m && h.atNanos() > from.atNanos()
                        && ((m.step() == first && m.run() > from.run()) || m.step() == Step.DONE))
                .mapToLong(Heard::atNanos).findFirst().orElse(Long.MAX_VALUE);
    }

    /** Items of a kind heard after {@code from} and no later than {@code until}, in order. */
    private static <T extends Heard> List<T> between(List<Heard> heard, Class<T> kind, long from, long until) {
        return heard.stream().filter(h -> kind.isInstance(h) && h.atNanos() > from && h.atNanos() <= until).map(kind::cast)
                .toList();
    }

    private static <T extends Heard> Optional<T> first(List<Heard> heard, Class<T> kind, long from, long until, Predicate<T> ok) {
        return between(heard, kind, from, until).stream().filter(ok).findFirst();
    }

    private static <T extends Heard> Optional<T> last(List<Heard> heard, Class<T> kind, long before) {
        T found = null;
        for (Heard h : heard) {
            if (kind.isInstance(h) && h.atNanos() <= before) {
                found = kind.cast(h);
            }
        }
        return Optional.ofNullable(found);
    }

    private static OptionalLong since(Heard from, Optional<? extends Heard> to) {
        return to.map(t -> OptionalLong.of((t.atNanos() - from.atNanos()) / 1_000_000)).orElse(OptionalLong.empty());
    }
}
