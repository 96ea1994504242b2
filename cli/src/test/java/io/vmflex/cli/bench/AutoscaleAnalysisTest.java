package io.vmflex.cli.bench;

import io.vmflex.cli.bench.AutoscaleAnalysis.LoadRun;
import io.vmflex.cli.bench.AutoscaleAnalysis.MemoryRun;
import io.vmflex.cli.bench.AutoscaleTimeline.Heard;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoscaleAnalysisTest {
    private static final long MS = 1_000_000;
    private static final long BASE_KB = 472_520;
    private static final long GROWN_KB = 471_859;

    /** A timeline written the way the followers feed it: console lines and event lines at given milliseconds. */
    private static final class Script {
        private final AutoscaleTimeline timeline = new AutoscaleTimeline();

        Script console(long ms, String line) {
            timeline.console(line, ms * MS);
            return this;
        }

        Script event(long ms, String reason, String message) {
            timeline.event("{\"time\":\"2026-12-06T03:46:00Z\",\"type\":\"Normal\",\"reason\":\"" + reason
                    + "\",\"vm\":\"autobench-cpu\",\"message\":\"" + message + "\"}", ms * MS);
            return this;
        }

        Script metrics(long ms, double hostBusy, double load1) {
            timeline.metrics("{\"vm\":\"autobench-cpu\",\"metrics\":{\"loadAvg1\":" + load1 + "},\"host\":{\"cpuBusyFraction\":"
                    + hostBusy + "}}", ms * MS);
            return this;
        }

        Script report(long ms, int cpus, long memKb) {
            return console(ms, "vmflex-guest: cpus=" + cpus + " memtotal_kb=" + memKb + " uptime=" + ms / 1000);
        }

        List<Heard> heard() {
            return timeline.snapshot();
        }
    }

    @Test
    void shouldMeasureUpAndDownFromTheMarkersToTheGuestsReports() {
        List<Heard> heard = new Script()
                .report(1_000, 1, BASE_KB)
                .console(2_000, "vmflex-monitor: connected v1")
                .console(10_000, "vmflex-bench: load on run=1 load1=0.26")
                .metrics(9_900, 0.05, 0.20)
                .report(10_500, 1, BASE_KB)
                .metrics(10_600, 0.40, 0.30)
                .metrics(11_050, 0.98, 0.50)
                .event(11_000, "UpscaleRequested", "1 CPU/512Mi -> 2 CPU/512Mi: asking the scheduler")
                .event(11_090, "CpuPlugged", "plugged vCPU cpu-0-1-0")
                .event(11_100, "ScaledUp", "2 CPU/512Mi")
                .report(11_400, 2, BASE_KB)
                .report(12_400, 2, BASE_KB)
                .console(41_400, "vmflex-bench: load off run=1")
                .report(42_000, 2, BASE_KB)
                .event(62_000, "ScaledDown", "1 CPU/512Mi")
                .report(62_300, 1, BASE_KB)
                .console(80_000, "vmflex-bench: load on run=2 load1=0.41")
                .heard();

        List<LoadRun> runs = AutoscaleAnalysis.loadRuns(heard);

        assertEquals(2, runs.size());
        LoadRun first = runs.getFirst();
        assertTrue(first.valid());
        assertEquals(OptionalLong.of(1_400), first.upMs());
        assertEquals(OptionalLong.of(1_090), first.pluggedMs());
        assertEquals(OptionalLong.of(20_900), first.downMs());
        assertEquals(0, first.extraResizes(), "the one upscale is not flapping; the downscale came after the load");
        assertEquals(0, first.guestCpuChanges());
        assertEquals("0.26", first.load1AtStart());
        assertEquals(0.69, first.hostBusyBeforeUp(), 1e-9, "the median of the two readings while loaded at 1 vCPU");
        assertTrue(first.complete());
        LoadRun second = runs.get(1);
        assertEquals(OptionalLong.empty(), second.upMs());
        assertFalse(second.complete(), "the second step is still going on");
    }

    @Test
    void shouldCountResizesBackAndForthWhileTheLoadLasts() {
        List<Heard> heard = new Script()
                .console(0, "vmflex-monitor: connected v1")
                .console(10_000, "vmflex-bench: load on run=1 load1=0.10")
                .event(11_000, "ScaledUp", "2 CPU")
                .report(11_500, 2, BASE_KB)
                .event(32_000, "ScaledDown", "1 CPU")
                .report(32_300, 1, BASE_KB)
                .event(35_000, "ScaledUp", "2 CPU")
                .report(35_400, 2, BASE_KB)
                .console(41_500, "vmflex-bench: load off run=1")
                .report(62_000, 1, BASE_KB)
                .console(70_000, "vmflex-bench: done")
                .heard();

        LoadRun run = AutoscaleAnalysis.loadRuns(heard).getFirst();

        assertEquals(OptionalLong.of(1_500), run.upMs());
        assertEquals(2, run.extraResizes(), "down and up again during the load");
        assertEquals(2, run.guestCpuChanges());
        assertEquals(OptionalLong.of(20_500), run.downMs(), "measured from the load's end, not from the flap");
        assertTrue(AutoscaleAnalysis.done(heard));
    }

    @Test
    void shouldMissTheUpscaleWhenTheGuestGaveUpWaitingAndLeaveOutRunsBeforeTheMonitorConnected() {
        List<Heard> heard = new Script()
                .console(10_000, "vmflex-bench: load on run=1 load1=0.90")
                .console(15_000, "vmflex-monitor: connected v1")
                .console(170_000, "vmflex-bench: load off run=1")
                .report(171_000, 2, BASE_KB)
                .report(200_000, 1, BASE_KB)
                .heard();

        LoadRun run = AutoscaleAnalysis.loadRuns(heard).getFirst();

        assertFalse(run.valid(), "the step began before the agent could get metrics");
        assertTrue(Double.isNaN(run.hostBusyBeforeUp()), "no readings");
        assertEquals(OptionalLong.empty(), run.upMs(), "2 vCPUs only after the load ended is no upscale for the load");
        assertEquals(OptionalLong.empty(), run.downMs(), "at 1 vCPU when the load ended: nothing to come back from");
    }

    @Test
    void shouldMeasureMemoryFromTheMonitorsRequestToTheGrownMemTotal() {
        List<Heard> heard = new Script()
                .console(0, "vmflex-monitor: connected v1")
                .report(9_000, 1, BASE_KB)
                .console(10_000, "vmflex-bench: fill run=4")
                .console(11_200, "vmflex-bench: filled run=4")
                .event(11_300, "GuestMemoryPressure", "the guest monitor reports memory pressure and asks for more")
                .event(11_310, "MonitorUpscaleRequested", "1 CPU/512Mi -> 1 CPU/1Gi: memory pressure in the guest")
                .event(11_320, "UpscaleRequested", "1 CPU/512Mi -> 1 CPU/1Gi: asking the scheduler")
                .event(11_450, "MemoryResize", "virtio-mem requested-size set to 512 MiB")
                .event(11_500, "ScaledUp", "1 CPU/1Gi")
                .report(11_700, 1, BASE_KB + 200_000)
                .report(11_900, 1, BASE_KB + 524_288)
                .console(12_000, "vmflex-bench: done")
                .heard();

        MemoryRun run = AutoscaleAnalysis.memoryRuns(heard, GROWN_KB).getFirst();

        assertEquals(4, run.run());
        assertTrue(run.valid());
        assertEquals(OptionalLong.of(600), run.requestToPluggedMs(), "to the report of the whole unit, not the first block");
        assertEquals(OptionalLong.of(150), run.requestToResizeMs());
        assertEquals(OptionalLong.of(1_900), run.fillToPluggedMs());
        assertEquals(OptionalLong.of(700), run.filledToPluggedMs());
        assertTrue(run.requested());
        assertFalse(run.agentFirst(), "the agent's own UpscaleRequested (asking the scheduler) is no monitor request");
        assertTrue(run.complete());
    }

    @Test
    void shouldLeaveAMemoryStepOpenUntilTheGuestsScheduleEnded() {
        Script s = new Script()
                .console(0, "vmflex-monitor: connected v1")
                .report(9_000, 1, BASE_KB)
                .console(10_000, "vmflex-bench: fill run=1")
                .event(11_300, "GuestMemoryPressure", "the guest monitor reports memory pressure and asks for more");
        assertFalse(AutoscaleAnalysis.memoryRuns(s.heard(), GROWN_KB).getFirst().complete());
        s.report(11_900, 1, BASE_KB + 524_288);
        assertFalse(AutoscaleAnalysis.memoryRuns(s.heard(), GROWN_KB).getFirst().complete(),
                "plugged while the guest still writes: its filled marker is yet to come");

        MemoryRun gaveUp = AutoscaleAnalysis.memoryRuns(s.console(70_000, "vmflex-bench: done").heard(), GROWN_KB).getFirst();

        assertTrue(gaveUp.complete());
        assertEquals(OptionalLong.of(1_900), gaveUp.fillToPluggedMs());
        assertEquals(OptionalLong.of(600), gaveUp.requestToPluggedMs());
        assertEquals(OptionalLong.empty(), gaveUp.filledToPluggedMs(), "no filled marker");
    }

    @Test
    void shouldTellWhenTheAgentUpscaledOnItsMetricsBeforeTheMonitorAsked() {
        List<Heard> heard = new Script()
                .console(0, "vmflex-monitor: connected v1")
                .report(9_000, 1, BASE_KB)
                .console(10_000, "vmflex-bench: fill run=1")
                .event(10_800, "ScaledUp", "1 CPU/1Gi")
                .report(11_000, 1, BASE_KB + 524_288)
                .console(11_200, "vmflex-bench: filled run=1")
                .event(12_000, "GuestMemoryPressure", "the guest monitor reports memory pressure and asks for more")
                .heard();

        MemoryRun run = AutoscaleAnalysis.memoryRuns(heard, GROWN_KB).getFirst();

        assertTrue(run.agentFirst());
        assertTrue(run.requested());
        assertEquals(OptionalLong.empty(), run.requestToPluggedMs(), "no request preceded the memory");
        assertEquals(OptionalLong.of(-200), run.filledToPluggedMs(), "the memory came while the guest was still writing");
    }

    @Test
    void shouldParseConsoleLinesWithCarriageReturnsAndIgnoreTheRest() {
        List<Heard> out = new ArrayList<>();
        AutoscaleTimeline.parseConsole("vmflex-guest: cpus=2 memtotal_kb=996808 uptime=170\r", 5).ifPresent(out::add);
        AutoscaleTimeline.parseConsole("vmflex-bench: filled run=12\r", 6).ifPresent(out::add);
        AutoscaleTimeline.parseConsole("vmflex-bench: done", 7).ifPresent(out::add);
        AutoscaleTimeline.parseConsole("[   12.3] random kernel line", 8).ifPresent(out::add);
        AutoscaleTimeline.parseEvent("not json", 9).ifPresent(out::add);

        assertEquals(List.of(new AutoscaleTimeline.Report(5, 2, 996_808),
                new AutoscaleTimeline.Marker(6, AutoscaleTimeline.Step.FILLED, 12, ""),
                new AutoscaleTimeline.Marker(7, AutoscaleTimeline.Step.DONE, 0, "")), out);
    }
}
