package io.vmflex.vmm.it;

import io.vmflex.api.guest.GuestMessage;
import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * spec.guest.command/args/env run inside the guest; a workload that eats memory makes the guest
 * monitor ask for more, which shows up on the daemon's event stream — and not before.
 */
@Tag("qemu")
class GuestCommandAndPressureIT {
    private static final String VM = "pressure";
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-press", VM);
    private static TestDaemon daemon;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireMonitorImage(GuestCommandAndPressureIT.class);
        daemon = daemons.start("node-it");
    }

    private static long upscaleRequests() throws Exception {
        long n = 0;
        for (JsonNode e : daemon.http().get("/v1/events?vm=" + VM).json().path("items")) {
            if (GuestMessage.UpscaleRequest.EVENT_REASON.equals(e.path("reason").asText())) {
                n++;
            }
        }
        return n;
    }

    @Test
    void shouldRunTheSpecsCommandWithItsEnvAndReportMemoryPressure() throws Exception {
        // 512 MiB boot memory: idle the guest is well below the monitor's threshold of
        // 0.85 x (MemTotal - 100 MiB); 300 MiB in tmpfs (not reclaimable) takes it above.
        String yaml = TestVm.yaml(VM)
                .replace("min: 2\n      use: 2", "min: 4\n      use: 4")
                .replace("  guest:\n", "  guest:\n"
                        + "    env:\n      - name: GREETING\n        value: hello from the spec\n"
                        + "    command: [\"/bin/sh\", \"-c\"]\n"
                        + "    args: [\"echo vmflex-test: $GREETING; sleep 45; mkdir -p /dev/shm;"
                        + " mount -t tmpfs -o size=400m tmpfs /dev/shm; echo vmflex-test: filling;"
                        + " dd if=/dev/zero of=/dev/shm/fill bs=1M count=300 2>/dev/null; echo vmflex-test: filled; sleep 3600\"]\n");
        TestVm.create(daemon, yaml);

        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> daemon.http().get("/v1/vms/" + VM + "/console").body().contains("vmflex-test: hello from the spec"));

        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                "Connected".equals(daemon.http().get("/v1/vms/" + VM).json().at("/status/guest/channel").asText())
                        && daemon.http().get("/v1/vms/" + VM).json().at("/status/guest/lastReport").isTextual());
        Thread.sleep(3000); // three more Metrics reports while idle
        String console = daemon.http().get("/v1/vms/" + VM + "/console").body();
        assumeTrue(!console.contains("vmflex-test: filling"), "guest too slow: the fill began before the idle check");
        assertEquals(0, upscaleRequests(), "the idle guest asked for memory");

        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> upscaleRequests() > 0);
        assertFalse(daemon.http().get("/v1/vms/" + VM + "/console").body().contains("command exited"),
                "the command should still be running");
    }
}
