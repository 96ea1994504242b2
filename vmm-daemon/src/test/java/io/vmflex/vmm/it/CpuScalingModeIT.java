package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cpuScalingMode: SysfsScaling} on the test image: QEMU boots with all four vCPUs, the guest
 * monitor onlines and offlines them when the daemon asks over the guest channel (1→2→1 seen in the
 * guest's online CPUs, in status.cpus), nothing plugs or unplugs a vCPU. Then its resize latency
 * against a QmpScaling VM in the same run: patch of {@code cpus.use} → the guest's report line shows
 * the new count, and → status says Running with it, five rounds up and down each.
 */
@Tag("qemu")
class CpuScalingModeIT {
    private static final Duration STEP = Duration.ofSeconds(120);
    private static final int ROUNDS = 5;
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-sysfs", "sysfs-vm", "qmp-vm");
    private static TestDaemon daemon;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(CpuScalingModeIT.class);
        daemon = daemons.start("node-it");
    }

    private static void create(String name, String mode) throws IOException {
        TestVm.create(daemon, TestVm.yaml(name).replace("  restartPolicy: Always\n",
                "  restartPolicy: Always\n  cpuScalingMode: " + mode + "\n").replace("  guest:\n", "  guest:\n"
                + "    command: [\"/bin/sh\", \"-c\", 'echo vmflex-test: present $(cat /sys/devices/system/cpu/present); sleep 3600']\n"));
    }

    private static JsonNode vm(String name) throws IOException {
        return daemon.http().get("/v1/vms/" + name).json();
    }

    private static void patchCpus(String name, int cpus) throws IOException {
        UnixHttp.Response r = daemon.http().send("PATCH", "/v1/vms/" + name, "application/json-patch+json",
                Guest.patchUse("/spec/guest/cpus/use", cpus));
        assertEquals(200, r.status(), r.body());
    }

    private static int guestCpus(String name) throws IOException {
        return Guest.lastReport(daemon.http(), name).map(Guest.Report::cpus).orElse(-1);
    }

    private static boolean statusAt(String name, int cpus) throws IOException {
        JsonNode s = vm(name).path("status");
        return s.path("cpus").asInt() == cpus && "Running".equals(s.path("phase").asText());
    }

    private static void awaitGuestAndStatus(String name, int cpus) {
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(200))
                .until(() -> guestCpus(name) == cpus && statusAt(name, cpus));
    }

    /** Times of one resize: patch → guest report line, patch → status Running at the new count. */
    private record Timing(long guestMs, long statusMs) {
    }

    private static Timing resize(String name, int cpus) throws IOException {
        long t0 = System.nanoTime();
        patchCpus(name, cpus);
        long guest = -1;
        long status = -1;
        long deadline = t0 + STEP.toNanos();
        while ((guest < 0 || status < 0) && System.nanoTime() < deadline) {
            long now = System.nanoTime();
            if (guest < 0 && guestCpus(name) == cpus) {
                guest = (now - t0) / 1_000_000;
            }
            if (status < 0 && statusAt(name, cpus)) {
                status = (now - t0) / 1_000_000;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        assertTrue(guest >= 0 && status >= 0, name + " did not reach " + cpus + " vCPUs in " + STEP);
        return new Timing(guest, status);
    }

    private static String stats(List<Long> ms) {
        List<Long> sorted = new ArrayList<>(ms);
        sorted.sort(null);
        return "median " + sorted.get(sorted.size() / 2) + " ms, min " + sorted.getFirst() + ", max " + sorted.getLast();
    }

    @Test
    void shouldOnlineAndOfflineAllPluggedVcpusInTheGuestAndCompareLatencyWithQmpScaling() throws Exception {
        create("sysfs-vm", "SysfsScaling");
        create("qmp-vm", "QmpScaling");
        // The guest monitor connects, the daemon asks for use = 1 of the four booted vCPUs.
        awaitGuestAndStatus("sysfs-vm", 1);
        awaitGuestAndStatus("qmp-vm", 1);
        List<String> console = Guest.consoleLines(daemon.http(), "sysfs-vm");
        assertTrue(console.stream().anyMatch(l -> l.contains("vmflex-test: present 0-3")), String.join("\n", console));
        assertTrue(daemon.http().get("/v1/events?vm=sysfs-vm").body().contains("4 boot vCPUs"), "QEMU did not boot all vCPUs");

        awaitGuestAndStatus("sysfs-vm", 1);
        patchCpus("sysfs-vm", 2);
        awaitGuestAndStatus("sysfs-vm", 2);
        patchCpus("sysfs-vm", 1);
        awaitGuestAndStatus("sysfs-vm", 1);
        String events = daemon.http().get("/v1/events?vm=sysfs-vm").body();
        assertTrue(events.contains("CpusOnlined"), events);
        assertTrue(!events.contains("CpuPlugged") && !events.contains("CpuUnplugRequested"), "SysfsScaling plugged vCPUs: " + events);

        // [mode][direction: 0 up, 1 down][guest, status]
        List<List<List<List<Long>>>> ms = new ArrayList<>();
        for (int m = 0; m < 2; m++) {
            ms.add(List.of(List.of(new ArrayList<>(), new ArrayList<>()), List.of(new ArrayList<>(), new ArrayList<>())));
        }
        String[] vms = {"sysfs-vm", "qmp-vm"};
        for (int round = 0; round < ROUNDS; round++) {
            for (int dir = 0; dir < 2; dir++) {
                // Alternating which mode goes first, so neither always runs on a host the other just loaded.
                for (int k = 0; k < 2; k++) {
                    int m = (round + k) % 2;
                    Timing t = resize(vms[m], dir == 0 ? 2 : 1);
                    ms.get(m).get(dir).get(0).add(t.guestMs());
                    ms.get(m).get(dir).get(1).add(t.statusMs());
                }
            }
        }
        System.out.printf("MEASURED resize between 1 and 2 vCPUs, %d rounds, both modes in the same run (TCG):%n", ROUNDS);
        for (int m = 0; m < 2; m++) {
            for (int dir = 0; dir < 2; dir++) {
                System.out.printf("MEASURED   %-12s %s: patch -> guest reports it: %s; patch -> status Running: %s%n",
                        m == 0 ? "SysfsScaling" : "QmpScaling", dir == 0 ? "1 -> 2" : "2 -> 1",
                        stats(ms.get(m).get(dir).get(0)), stats(ms.get(m).get(dir).get(1)));
            }
        }
    }
}
