package io.vmflex.vmm.console;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GuestIncidentDetectorTest {

    private static final String CONSOLE = """
            [    0.000000] Linux version 6.1.0-28-cloud-amd64
            [   41.998213] allocate-loop invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0
            [   42.101111] Out of memory: Killed process 312 (postgres) total-vm:1183552kB, anon-rss:901220kB
            [   50.000001] Memory cgroup out of memory: Killed process 400 (allocate-loop) total-vm:2000kB
            [   51.000000] Kernel panic - not syncing: System is deadlocked on memory
            """;

    @Test
    void shouldFindOomKillsAndPanicsWhateverWayTheBytesAreSplit() {
        byte[] bytes = CONSOLE.getBytes(StandardCharsets.US_ASCII);
        for (int chunk : new int[] {1, 7, 64, bytes.length}) {
            GuestIncidentDetector detector = new GuestIncidentDetector();
            List<GuestIncident> found = new ArrayList<>();
            for (int off = 0; off < bytes.length; off += chunk) {
                found.addAll(detector.feed(bytes, off, Math.min(chunk, bytes.length - off)));
            }
            assertEquals(3, found.size(), "chunk " + chunk + ": " + found);
            assertEquals(new GuestIncident.OomKill(
                    "[   42.101111] Out of memory: Killed process 312 (postgres) total-vm:1183552kB, anon-rss:901220kB",
                    312, "postgres", false), found.get(0));
            GuestIncident.OomKill cgroup = (GuestIncident.OomKill) found.get(1);
            assertTrue(cgroup.memoryCgroup());
            assertEquals("allocate-loop", cgroup.process());
            assertEquals("System is deadlocked on memory", ((GuestIncident.KernelPanic) found.get(2)).reason());
        }
    }

    @Test
    void shouldIgnoreOrdinaryOutputAndPartialLines() {
        GuestIncidentDetector detector = new GuestIncidentDetector();
        byte[] text = "vmflex: ready\nKernel panic - not sync".getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of(), detector.feed(text, 0, text.length));
    }

    @Test
    void shouldKeepABoundedBufferAndDropAnOverlongLineWhole() {
        GuestIncidentDetector detector = new GuestIncidentDetector();
        byte[] flood = ("x".repeat(1_000_000) + "Kernel panic - not syncing: fake\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of(), detector.feed(flood, 0, flood.length));
        byte[] next = "Kernel panic - not syncing: real\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(1, detector.feed(next, 0, next.length).size(), "the next line is read again");
    }

    @Test
    void shouldReplaceControlAndHighBytesSoTheLineIsSafeToShow() {
        GuestIncidentDetector detector = new GuestIncidentDetector();
        byte[] text = "Out of memory: Killed process 7 (a\u001b[2Jb) x\n".getBytes(StandardCharsets.ISO_8859_1);
        GuestIncident.OomKill oom = (GuestIncident.OomKill) detector.feed(text, 0, text.length).getFirst();
        assertEquals("a?[2Jb", oom.process());
    }
}
