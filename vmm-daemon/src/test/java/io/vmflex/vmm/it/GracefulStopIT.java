package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * spec.guest.settings.sysctl and memhpAutoMovableRatio seen from inside the test image's guest, and
 * a delete that presses the ACPI power button: a guest that acts on it powers off and QEMU exits by
 * itself well within terminationGracePeriodSeconds; a guest that ignores it is stopped after the
 * grace period; PostgreSQL in the postgres image shuts down cleanly before its VM powers off. The
 * console log is read through a file handle opened before the delete, since the
 * delete removes the VM's folder.
 */
@Tag("qemu")
class GracefulStopIT {
    private static final Duration BOOT = Duration.ofSeconds(120);
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-stop", "settings", "deaf", "pg-stop");
    private static TestDaemon daemon;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(GracefulStopIT.class);
        daemon = daemons.start("node-it");
    }

    /** The test VM with {@code specLines} added under {@code spec} and {@code guestLines} under {@code spec.guest}. */
    private static String vm(String name, String specLines, String guestLines) throws IOException {
        return TestVm.yaml(name).replace("  restartPolicy: Always\n", "  restartPolicy: Always\n" + specLines)
                .replace("  guest:\n", "  guest:\n" + guestLines);
    }

    private static String console(String name) throws IOException {
        return daemon.http().get("/v1/vms/" + name + "/console").body();
    }

    private static void awaitConsole(String name, String text) {
        Awaitility.await().atMost(BOOT).pollInterval(Duration.ofMillis(250)).until(() -> console(name).contains(text));
    }

    private static long events(String name, String reason) throws IOException {
        long n = 0;
        for (JsonNode e : daemon.http().get("/v1/events?vm=" + name).json().path("items")) {
            if (reason.equals(e.path("reason").asText())) {
                n++;
            }
        }
        return n;
    }

    private record Deleted(Duration took, String console) {
    }

    /** Deletes {@code name}; returns how long the delete took and the console as it ended. */
    private static Deleted delete(String name, long pid) throws Exception {
        try (InputStream log = Files.newInputStream(daemon.stateDir().resolve("vms").resolve(name).resolve("console.log"))) {
            long t0 = System.nanoTime();
            UnixHttp.Response r = daemon.http().send("DELETE", "/v1/vms/" + name, null, null);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertEquals(200, r.status(), r.body());
            assertFalse(Guest.processRuns(pid), "QEMU pid " + pid + " still runs after the delete returned");
            return new Deleted(took, new String(log.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldApplySettingsAndLetTheGuestPowerOffOnDelete() throws Exception {
        TestVm.create(daemon, vm("settings", "  terminationGracePeriodSeconds: 60\n",
                "    memhpAutoMovableRatio: \"301\"\n"
                        + "    settings:\n      sysctl:\n        - vm.swappiness = 7\n        - kernel.pid_max=70000\n"
                        + "    command: [\"/bin/sh\", \"-c\"]\n"
                        + "    args: [\"echo vmflex-test: swappiness=$(cat /proc/sys/vm/swappiness)"
                        + " pid_max=$(cat /proc/sys/kernel/pid_max)"
                        + " ratio=$(cat /sys/module/memory_hotplug/parameters/auto_movable_ratio)"
                        + " policy=$(cat /sys/module/memory_hotplug/parameters/online_policy)"
                        + " cmdline_ratio=$(grep -c 'memory_hotplug.auto_movable_ratio=301' /proc/cmdline)\"]\n"));
        awaitConsole("settings", "vmflex-test: swappiness=");
        String c = console("settings");
        assertTrue(c.contains("vmflex-test: swappiness=7 pid_max=70000 ratio=301 policy=auto-movable cmdline_ratio=1"), c);
        awaitConsole("settings", "vmflex-guest: power button watched on");
        long pid = daemon.http().get("/v1/vms/settings").json().at("/status/pid").asLong();

        Deleted d = delete("settings", pid);

        System.err.printf("GracefulStopIT: delete -> QEMU gone in %.2f s (graceful)%n", d.took().toNanos() / 1e9);
        assertTrue(d.console().contains("vmflex-guest: power button pressed"), d.console());
        assertTrue(d.console().contains("vmflex-guest: powering off"), d.console());
        assertEquals(1, events("settings", "PoweredOff"));
        assertEquals(0, events("settings", "StoppedWithoutShutdown"));
        assertTrue(d.took().compareTo(Duration.ofSeconds(30)) < 0, "the delete took " + d.took());
    }

    @Test
    void shouldStopAGuestThatIgnoresThePowerButtonAfterTheGracePeriod() throws Exception {
        // The guest's command ends the image's power button watchers: the press goes unanswered.
        TestVm.create(daemon, vm("deaf", "  terminationGracePeriodSeconds: 4\n",
                "    command: [\"/bin/sh\", \"-c\"]\n"
                        + "    args: [\"kill $(cat /run/vmflex-power-button.pids) && echo vmflex-test: deaf\"]\n"));
        awaitConsole("deaf", "vmflex-test: deaf");
        long pid = daemon.http().get("/v1/vms/deaf").json().at("/status/pid").asLong();

        Deleted d = delete("deaf", pid);

        System.err.printf("GracefulStopIT: delete of a guest ignoring the button -> QEMU gone in %.2f s%n",
                d.took().toNanos() / 1e9);
        assertFalse(d.console().contains("vmflex-guest: power button pressed"), d.console());
        assertEquals(0, events("deaf", "PoweredOff"));
        assertEquals(1, events("deaf", "StoppedWithoutShutdown"));
        assertTrue(d.took().compareTo(Duration.ofSeconds(4)) >= 0, "stopped before the grace period: " + d.took());
        assertTrue(d.took().compareTo(Duration.ofSeconds(4 + 15)) < 0, "the delete took " + d.took());
    }

    @Test
    void shouldShutPostgresDownCleanlyOnDelete() throws Exception {
        Requirements.skipIf(GracefulStopIT.class, Requirements.missingFile(Guest.imageDir().resolve("postgres/manifest.json"),
                "postgres image not built in " + Guest.imageDir() + " (run rootfs/build-postgres-image.sh)"));
        TestVm.create(daemon, Files.readString(Guest.example("postgres-vm.yaml")).replace("name: postgres-vm", "name: pg-stop")
                .replace("  restartPolicy: Always\n", "  restartPolicy: Always\n  terminationGracePeriodSeconds: 60\n"));
        Awaitility.await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                .until(() -> console("pg-stop").contains("vmflex-guest: postgres ready on"));
        long pid = daemon.http().get("/v1/vms/pg-stop").json().at("/status/pid").asLong();

        Deleted d = delete("pg-stop", pid);

        System.err.printf("GracefulStopIT: delete of a PostgreSQL VM -> QEMU gone in %.2f s (graceful)%n",
                d.took().toNanos() / 1e9);
        String c = d.console();
        assertTrue(c.contains("received fast shutdown request"), c);
        assertTrue(c.contains("database system is shut down"), c);
        // The order that matters is the guest's own: its init powers off only after pg_ctl -w saw the
        // postmaster gone ("postgres stopped"). The postmaster's last log line reaches the console through
        // its own pipe and may land after "powering off" (seen once in a fresh-clone CI run).
        int stopped = c.indexOf("vmflex-guest: postgres stopped");
        assertTrue(stopped >= 0 && stopped < c.indexOf("vmflex-guest: powering off"), c);
        assertEquals(1, events("pg-stop", "PoweredOff"));
        assertTrue(d.took().compareTo(Duration.ofSeconds(60)) < 0, "the delete took " + d.took());
    }
}
