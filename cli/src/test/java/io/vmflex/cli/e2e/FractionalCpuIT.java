package io.vmflex.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.client.AdminClient;
import io.vmflex.sys.cgroup.CpuHierarchy;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Fractional CPU on this host's real cpu controller (cgroup v1 here, v2 on unified hosts): a guest
 * that keeps both its vCPUs busy gets about {@code use} CPU-seconds per second by the kernel's own
 * accounting of QEMU's group, and a patch of {@code use} changes that without restarting anything.
 * The caps are asserted tightly (the kernel enforces them); the floors loosely, because the
 * machine's other work takes CPU too.
 */
@Tag("qemu")
class FractionalCpuIT {
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final String BURN = "burn() { while :; do :; done; }; burn & burn & wait";
    private static Vmmd vmmd;
    private static AdminClient client;
    private static Path state;

    @BeforeAll
    static void start() throws Exception {
        String skip = !Files.exists(IMAGES.resolve("test/manifest.json")) ? "test image not built in " + IMAGES
                : CpuHierarchy.detect().isEmpty() ? "no cpu controller on this host" : null;
        if (skip != null) {
            System.err.println("SKIPPED FractionalCpuIT: " + skip);
        }
        assumeTrue(skip == null, skip);
        state = Files.createTempDirectory(Path.of("/tmp"), "vmfx-frac");
        Path socket = state.resolve("vmmd.sock");
        VmmdConfig d = VmmdConfig.defaults("node-frac");
        vmmd = Vmmd.start(new VmmdConfig(state, socket, "node-frac", IMAGES, d.qemuBinary(), null, d.socketMode(),
                d.devKvm(), null, "vmflex-test", "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(), null));
        client = new AdminClient(socket, Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() throws Exception {
        if (vmmd != null) {
            client.request("DELETE", "/v1/vms/frac-vm", null, null);
            client.close();
            vmmd.close();
            try (var walk = Files.walk(state)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The host's measurement of the VM's CPU, averaged over a few one-second readings. */
    /** CPU-seconds per second the VM used, and the share of the time its quota held it back (host readings). */
    private record Usage(double busy, double throttled) {
    }

    private static Usage usage(int readings) throws Exception {
        double busy = 0;
        double throttled = 0;
        String lastAt = "";
        int n = 0;
        while (n < readings) {
            Thread.sleep(1000);
            JsonNode host = ApiMapper.json().readTree(
                    client.request("GET", "/v1/vms/frac-vm/metrics", null, null).requireSuccess().body()).path("host");
            if (host.isMissingNode() || host.path("at").asText().equals(lastAt)) {
                continue;
            }
            lastAt = host.path("at").asText();
            busy += host.path("cpuBusy").asDouble();
            throttled += host.path("cpuThrottledFraction").asDouble();
            n++;
        }
        return new Usage(busy / readings, throttled / readings);
    }

    private static Optional<String> phase() throws Exception {
        JsonNode vm = ApiMapper.json().readTree(client.request("GET", "/v1/vms/frac-vm", null, null).requireSuccess().body());
        return Optional.of(vm.path("status").path("phase").asText());
    }

    @Test
    void shouldHoldABusyGuestToItsFractionalUseAndFollowAResize() throws Exception {
        String manifest = """
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"frac-vm"},
                 "spec":{"guest":{"cpus":{"min":"500m","use":"500m","max":2},"memorySlotSize":"128Mi",
                   "memorySlots":{"min":4,"use":4,"max":4},"rootDisk":{"image":"test"},
                   "command":["/bin/sh","-c",%s]}}}""".formatted(ApiMapper.json().writeValueAsString(BURN));
        client.request("POST", "/v1/vms", "application/json", manifest.getBytes(StandardCharsets.UTF_8)).requireSuccess();
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> phase().orElse("").equals("Running"));
        Thread.sleep(5000); // boot is over; the burn runs

        Usage at500 = usage(5);
        double half = at500.busy();
        client.request("PATCH", "/v1/vms/frac-vm", "application/merge-patch+json",
                "{\"spec\":{\"guest\":{\"cpus\":{\"use\":\"1500m\"}}}}".getBytes(StandardCharsets.UTF_8)).requireSuccess();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> phase().orElse("").equals("Running"));
        Thread.sleep(2000);
        Usage at1500 = usage(5);
        double more = at1500.busy();
        long pid = ApiMapper.json().readTree(client.request("GET", "/v1/vms/frac-vm", null, null).body())
                .path("status").path("pid").asLong();
        System.out.printf("FractionalCpuIT: use 500m -> %.2f CPU-s/s (throttled %.2f), use 1500m -> %.2f CPU-s/s"
                + " (throttled %.2f) (QEMU pid %d)%n", half, at500.throttled(), more, at1500.throttled(), pid);

        assertTrue(half <= 0.6, "500m must hold the guest to about half a CPU, got " + half);
        assertTrue(half >= 0.25, "the guest should run at all, got " + half);
        assertTrue(more <= 1.6, "1500m must hold it to about one and a half, got " + more);
        // The raise shows as more CPU where the host has it to give; on a host busy with other work, as the
        // quota no longer holding the VM back (the kernel's throttled time).
        boolean moreCpu = more >= half + 0.3;
        boolean lessThrottled = at500.throttled() > 0.05 && at1500.throttled() < at500.throttled() / 2;
        assertTrue(moreCpu || lessThrottled, "the raised quota must take effect without a restart: " + at500 + " -> " + at1500);
    }
}
