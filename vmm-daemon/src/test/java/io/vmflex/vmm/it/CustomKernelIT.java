package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boots the test image with vmflex's own kernel ({@code spec.guest.kernelImage: kernel-vmflex},
 * built by kernel/build-kernel.sh) and resizes it live: the kernel has everything built in, so the
 * image's modules (made for the Debian cloud kernel) fail to load and the guest works regardless.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CustomKernelIT {
    private static final String VM = "kernel-vm";
    private static final String KERNEL_IMAGE = "kernel-vmflex";
    private static final long SLOT_KB = 128 * 1024;
    private static final Duration STEP = Duration.ofSeconds(90);
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-kernel", VM);
    private static TestDaemon daemon;
    private static UnixHttp http;
    private static long bootMemTotalKb;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.skipIf(CustomKernelIT.class, Guest.missingImage().or(() -> Requirements.missingFile(
                Guest.imageDir().resolve(KERNEL_IMAGE + "/manifest.json"), KERNEL_IMAGE + " not built in "
                        + Guest.imageDir() + " (run kernel/build-kernel.sh --images " + Guest.imageDir() + ")")));
        daemon = daemons.start("node-it");
        http = daemon.http();
        TestVm.create(daemon, TestVm.yaml(VM).replace("  guest:\n", "  guest:\n    kernelImage: " + KERNEL_IMAGE + "\n"));
    }

    @Test
    @Order(1)
    void shouldBootTheVmflexKernelWithoutModulesWhenNamedInKernelImage() throws Exception {
        JsonNode vm = Guest.awaitPhase(http, VM, "Running", STEP);
        Guest.Report r = Guest.awaitReport(http, VM, STEP, x -> true);
        assertEquals(1, r.cpus());
        bootMemTotalKb = r.memTotalKb();

        int pid = vm.path("status").path("pid").asInt();
        assertTrue(pid > 0, vm.toString());
        List<String> qemuArgs = List.of(new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")),
                StandardCharsets.UTF_8).split("\0"));
        assertTrue(argAfter(qemuArgs, "-kernel").endsWith("/" + KERNEL_IMAGE + "/vmlinuz"), qemuArgs.toString());
        assertTrue(argAfter(qemuArgs, "-initrd").endsWith("/test/initrd.img"), qemuArgs.toString());

        String console = http.get("/v1/vms/" + VM + "/console").body();
        // The image's modules are for the Debian kernel's release: none loads, yet the
        // virtio-serial port (virtio_pci + virtio_console) is there, so they are built in.
        assertTrue(console.contains("vmflex-guest: insmod failed: "), console);
        assertTrue(console.contains("vmflex-guest: port vmflex.monitor"), console);
        assertTrue(console.contains("vmflex-guest: ready"), console);
    }

    @Test
    @Order(2)
    void shouldRunTheGuestMonitorFromTheReadOnlyDiskWhenBootedWithTheVmflexKernel() {
        // virtio-blk + ext4 + a glibc JVM (futex, epoll, eventfd...) + PSI: the monitor connects
        // and sends its reports.
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode vm = http.get("/v1/vms/" + VM).json();
            return "Connected".equals(vm.at("/status/guest/channel").asText())
                    && vm.at("/status/guest/lastReport").isTextual();
        });
    }

    @Test
    @Order(3)
    void shouldHotplugACpuAndTwoMemorySlotsWhenUseRaised() throws Exception {
        UnixHttp.Response r = http.send("PATCH", "/v1/vms/" + VM, "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":2},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/use\",\"value\":4}]");
        assertEquals(200, r.status(), r.body());
        // Two more 128 MiB slots: MemTotal grows by 256 MiB, give or take 1%.
        long growth = 2 * SLOT_KB;
        Guest.Report g = Guest.awaitReport(http, VM, STEP,
                x -> x.cpus() == 2 && x.memTotalKb() >= bootMemTotalKb + growth * 99 / 100);
        assertTrue(g.memTotalKb() <= bootMemTotalKb + growth * 101 / 100,
                "guest MemTotal " + g.memTotalKb() + " kB, booted with " + bootMemTotalKb);
        JsonNode vm = Guest.awaitPhase(http, VM, "Running", STEP);
        assertEquals(2, vm.path("status").path("cpus").asInt());
        assertEquals(0, vm.path("status").path("restartCount").asInt());
    }

    private static String argAfter(List<String> args, String option) {
        int i = args.indexOf(option);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : "";
    }
}
