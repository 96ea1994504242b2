package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Boots the test image under a real vmmd and QEMU and resizes it live through the admin API; the
 * guest's own console report is the judge of every step.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmResizeIT {
    private static final String VM = "test-vm";
    private static final long SLOT_KB = 128 * 1024;
    private static final Duration STEP = Duration.ofSeconds(60);
    private static TestDaemon daemon;
    private static UnixHttp http;
    private static long bootMemTotalKb;

    @BeforeAll
    static void boot() throws Exception {
        var missing = Guest.missingImage();
        if (missing.isPresent()) {
            System.err.println("SKIPPED VmResizeIT: " + missing.get());
        }
        assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
        Path state = Files.createTempDirectory(Path.of("/tmp"), "vmfx-resize");
        daemon = new TestDaemon(state, "node-it", Guest.imageDir()).start();
        http = daemon.http();
        UnixHttp.Response created = http.send("POST", "/v1/vms", "application/yaml",
                Files.readString(Guest.example("test-vm.yaml")));
        assertEquals(201, created.status(), created.body());
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (daemon != null) {
            http.send("DELETE", "/v1/vms/" + VM, null, null);
            daemon.close();
        }
    }

    @Test
    @Order(1)
    void shouldBootAndReportOneCpuWhenCreatedFromTheExample() {
        JsonNode vm = Guest.awaitPhase(http, VM, "Running", STEP);
        Guest.Report r = Guest.awaitReport(http, VM, STEP, x -> true);
        assertEquals(1, r.cpus());
        bootMemTotalKb = r.memTotalKb();
        assertEquals(1, vm.path("status").path("cpus").asInt());
        assertEquals("node-it", vm.path("status").path("node").asText());
        assertTrue(vm.path("status").path("pid").asInt() > 0, vm.toString());
    }

    @Test
    @Order(2)
    void shouldHotplugCpusWhenUseRaisedToThree() throws Exception {
        UnixHttp.Response r = http.send("PATCH", "/v1/vms/" + VM, "application/json-patch+json",
                Guest.patchUse("/spec/guest/cpus/use", 3));
        assertEquals(200, r.status(), r.body());
        Guest.awaitReport(http, VM, STEP, x -> x.cpus() == 3);
        JsonNode vm = Guest.awaitPhase(http, VM, "Running", STEP);
        assertEquals(3, vm.path("status").path("cpus").asInt());
    }

    @Test
    @Order(3)
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
    @Order(4)
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
    @Order(5)
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
