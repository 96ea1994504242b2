package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boots the test image under a real vmmd and QEMU and resizes it live through the admin API; the
 * guest's own console report is the judge of every step.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmResizeIT {
    private static final String VM = TestVm.NAME;
    private static final long SLOT_KB = 128 * 1024;
    private static final Duration STEP = Duration.ofSeconds(60);
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-resize", VM);
    private static TestDaemon daemon;
    private static UnixHttp http;
    private static long bootMemTotalKb;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(VmResizeIT.class);
        daemon = daemons.start("node-it");
        http = daemon.http();
        TestVm.create(daemon);
    }

    @Test
    @Order(1)
    void shouldBootAndReportOneCpuWhenCreatedFromTheExample() throws Exception {
        JsonNode vm = Guest.awaitPhase(http, VM, "Running", STEP);
        Guest.Report r = Guest.awaitReport(http, VM, STEP, x -> true);
        assertEquals(1, r.cpus());
        bootMemTotalKb = r.memTotalKb();
        assertEquals(1, vm.path("status").path("cpus").asInt());
        assertEquals("node-it", vm.path("status").path("node").asText());
        int pid = vm.path("status").path("pid").asInt();
        assertTrue(pid > 0, vm.toString());
        // QEMU runs in its own session (so the daemon's death is not its death) and, where the host
        // has a cpu controller, in its own group there (cgroup v2, or the v1 cpu hierarchy on a
        // hybrid host like these machines), where its CPU quota is set.
        String[] qemu = statFields(pid);
        String[] vmmd = statFields(daemon.pid());
        assertTrue(!qemu[3].equals(vmmd[3]), "QEMU shares the daemon's session " + vmmd[3]);
        assertTrue(!qemu[1].equals(String.valueOf(daemon.pid())), "QEMU is the daemon's child");
        String cgroups = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
        if (io.vmflex.sys.cgroup.CpuHierarchy.detect().isPresent()) {
            // v1: "N:cpu:/vmflex-test/test-vm" (or "N:cpu,cpuacct:..."); v2: "0::/vmflex-test/test-vm".
            assertTrue(cgroups.lines().anyMatch(l -> l.endsWith(":/vmflex-test/" + VM)
                    && (l.startsWith("0::") || java.util.Arrays.asList(l.split(":")[1].split(",")).contains("cpu"))), cgroups);
        }
    }

    @Test
    @Order(2)
    void shouldStreamEventsToWatchersAsTheyHappen() throws Exception {
        try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(daemon.socket()));
            ch.write(java.nio.ByteBuffer.wrap(("GET /v1/events?watch=true&vm=" + VM
                    + " HTTP/1.1\r\nHost: vmmd\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(java.nio.channels.Channels.newInputStream(ch),
                    java.nio.charset.StandardCharsets.UTF_8));
            assertTrue(in.readLine().contains("200"));
            UnixHttp.Response r = http.send("PATCH", "/v1/vms/" + VM, "application/merge-patch+json",
                    "{\"metadata\":{\"labels\":{\"watched\":\"yes\"}}}");
            assertEquals(200, r.status(), r.body());
            // Chunk sizes and event lines interleave; the event JSON arrives on its own line.
            String line;
            boolean seen = false;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!seen && System.nanoTime() < deadline && (line = in.readLine()) != null) {
                seen = line.contains("\"reason\":\"SpecChanged\"") || line.contains("\"reason\":\"MetadataChanged\"");
            }
            assertTrue(seen, "no event arrived on the watch stream");
        }
    }

    @Test
    @Order(3)
    void shouldHotplugCpusWhenUseRaisedToThree() throws Exception {
        UnixHttp.Response r = http.send("PATCH", "/v1/vms/" + VM, "application/json-patch+json",
                Guest.patchUse("/spec/guest/cpus/use", 3));
        assertEquals(200, r.status(), r.body());
        Guest.awaitReport(http, VM, STEP, x -> x.cpus() == 3);
        JsonNode vm = Guest.awaitPhase(http, VM, "Running", STEP);
        assertEquals(3, vm.path("status").path("cpus").asInt());
    }

    @Test
    @Order(4)
    void shouldPlugAllMemorySlotsWhenUseRaisedToMax() throws Exception {
        UnixHttp.Response r = http.send("PATCH", "/v1/vms/" + VM, "application/merge-patch+json",
                "{\"spec\":{\"guest\":{\"memorySlots\":{\"use\":8}}}}");
        assertEquals(200, r.status(), r.body());
        long want = bootMemTotalKb + 6 * SLOT_KB;
        Guest.Report g = Guest.awaitReport(http, VM, STEP, x -> x.memTotalKb() >= bootMemTotalKb + 6 * SLOT_KB * 95 / 100);
        assertTrue(g.memTotalKb() <= want + SLOT_KB / 100, "guest MemTotal " + g.memTotalKb() + " kB, expected about " + want);
        JsonNode vm = Guest.awaitPhase(http, VM, "Running", STEP);
        assertEquals(8L * 128 * 1024 * 1024, parseBytes(vm.path("status").path("memorySize").asText()));
    }

    @Test
    @Order(5)
    void shouldUnplugBackToMinimumWhenUseLowered() throws Exception {
        UnixHttp.Response r = http.send("PATCH", "/v1/vms/" + VM, "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":1},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/use\",\"value\":2}]");
        assertEquals(200, r.status(), r.body());
        Guest.Report g = Guest.awaitReport(http, VM, Duration.ofSeconds(120),
                x -> x.cpus() == 1 && x.memTotalKb() <= bootMemTotalKb + SLOT_KB / 100);
        assertEquals(1, g.cpus());
        JsonNode vm = Guest.awaitPhase(http, VM, "Running", STEP);
        assertEquals(1, vm.path("status").path("cpus").asInt());
        assertEquals(2L * 128 * 1024 * 1024, parseBytes(vm.path("status").path("memorySize").asText()));
    }

    @Test
    @Order(6)
    void shouldPlugAgainAfterAnUnplugWithoutRestartingQemu() throws Exception {
        int pid = http.get("/v1/vms/" + VM).json().path("status").path("pid").asInt();
        UnixHttp.Response r = http.send("PATCH", "/v1/vms/" + VM, "application/json-patch+json",
                Guest.patchUse("/spec/guest/cpus/use", 2));
        assertEquals(200, r.status(), r.body());
        Guest.awaitReport(http, VM, STEP, x -> x.cpus() == 2);
        JsonNode vm = Guest.awaitPhase(http, VM, "Running", STEP);
        assertEquals(pid, vm.path("status").path("pid").asInt(), "QEMU was restarted: it crashed on the re-plug");
        assertEquals(0, vm.path("status").path("restartCount").asInt());
    }

    /** Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, ... */
    private static String[] statFields(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    static long parseBytes(String q) {
        if (q.endsWith("Gi")) {
            return Long.parseLong(q.substring(0, q.length() - 2)) << 30;
        }
        if (q.endsWith("Mi")) {
            return Long.parseLong(q.substring(0, q.length() - 2)) << 20;
        }
        if (q.endsWith("Ki")) {
            return Long.parseLong(q.substring(0, q.length() - 2)) << 10;
        }
        return Long.parseLong(q);
    }
}
