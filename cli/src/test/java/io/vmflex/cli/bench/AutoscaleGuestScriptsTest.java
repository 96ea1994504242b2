package io.vmflex.cli.bench;

import io.vmflex.cli.bench.AutoscaleGuestScripts.LoadSchedule;
import io.vmflex.cli.bench.AutoscaleGuestScripts.MemorySchedule;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoscaleGuestScriptsTest {

    @Test
    void shouldFitTheKernelCommandLineWithTheLargestSettings() {
        String load = AutoscaleGuestScripts.loadSteps(new LoadSchedule(99, 8, 99_999, 99_999, 99_999, 99_999, 99_999, 99_999));
        String memory = AutoscaleGuestScripts.memoryStep(new MemorySchedule(99, 99_999, 99_999, 9_999_999, 99_999, 99_999));

        assertTrue(load.length() <= AutoscaleGuestScripts.MAX_SCRIPT_CHARS, load.length() + " chars");
        assertTrue(memory.length() <= AutoscaleGuestScripts.MAX_SCRIPT_CHARS, memory.length() + " chars");
    }

    @Test
    void shouldStartAndStopOneBurnerPerVcpuAndPrintTheMarkersTheAnalysisReads() {
        String s = AutoscaleGuestScripts.loadSteps(new LoadSchedule(10, 2, 30, 150, 50, 5, 60, 30));

        assertTrue(s.contains("b&p0=$!;b&p1=$!;"), s);
        assertTrue(s.contains("kill $p0 $p1;"), s);
        assertTrue(s.contains("echo \"vmflex-bench: load on run=$i load1=$a\""), s);
        assertTrue(s.contains("echo \"vmflex-bench: load off run=$i\""), s);
        assertTrue(s.endsWith("echo \"vmflex-bench: done\""), s);
        assertTrue(s.contains("while [ $i -le 10 ]"), s);
        assertTrue(s.contains("sleep 30;kill"), "the load lasts 30 s after the upscale: " + s);
        assertTrue(s.contains("[ $L -gt 50 ]&&[ $n -lt 60 ]"), "the load-average gate gives up after 60 s at 1 vCPU: " + s);
        assertEquals(1, AutoscaleTimeline.parseConsole("vmflex-bench: load on run=3 load1=0.42", 0).stream().count());
    }

    @Test
    void shouldFillTmpfsOnceAndWaitForTheGrownMemTotal() {
        String s = AutoscaleGuestScripts.memoryStep(new MemorySchedule(7, 300, 60, 471_859, 3, 20));

        assertTrue(s.startsWith("mkdir -p /dev/shm;mount -t tmpfs -o size=364m tmpfs /dev/shm;"), s);
        assertTrue(s.contains("echo \"vmflex-bench: fill run=7\";dd if=/dev/zero of=/dev/shm/f bs=1M count=300 2>/dev/null;"
                + "echo \"vmflex-bench: filled run=7\";"), s);
        assertTrue(s.contains("[ $M -lt $((B+471859)) ]&&[ $T -lt $e ]"), s);
        assertTrue(s.endsWith("echo \"vmflex-bench: done\""), s);
    }

    @Test
    void shouldRefuseSchedulesThatCannotRun() {
        assertThrows(IllegalArgumentException.class, () -> new LoadSchedule(0, 2, 30, 150, 50, 5, 60, 30));
        assertThrows(IllegalArgumentException.class, () -> new LoadSchedule(10, 2, 30, 150, 50, 5, 4, 30),
                "the gate's limit below its minimum");
        assertThrows(IllegalArgumentException.class, () -> new MemorySchedule(1, 0, 60, 471_859, 3, 20));
        assertThrows(IllegalArgumentException.class, () -> new MemorySchedule(0, 300, 60, 471_859, 3, 20));
    }
}
