package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.time.Duration;

import static io.vmflex.vmm.it.MigrationProbe.VM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults in the middle of a live migration between two vmmds on this machine: the target QEMU
 * killed, the operator cancelling, the target daemon killed. The stream is throttled (40 Mbit/s:
 * the test VM's ~135 MiB take ~30 s) and the fault strikes once 16 MiB went through. Each time
 * the VM must keep running on the source (same QEMU, guest uptime growing), the target must hold
 * nothing of it, and a full-speed migration there and back must succeed afterwards.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationFaultsIT {
    private static final String SLOW = ",\"maxBandwidthMbps\":40";
    private static final long MID_STREAM_MIB = 16;
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-migf", VM);
    private static TestDaemon a;
    private static TestDaemon b;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(MigrationFaultsIT.class);
        Path secret = daemons.secret("cluster.secret", 'k');
        a = daemons.startMigrationPeer("a", secret);
        b = daemons.startMigrationPeer("b", secret);
        MigrationProbe.bootTestVm(a);
    }

    @Test
    @Order(1)
    void shouldKeepTheVmOnTheSourceWhenTheTargetQemuIsKilledMidStream() throws Exception {
        var m = MigrationProbe.midStream(a, b, SLOW, MID_STREAM_MIB);
        assertEquals("Migrating", m.status().path("phase").asText(), m.status().toString());
        long t0 = System.nanoTime();
        new ProcessBuilder("kill", "-9", Integer.toString(m.targetQemuPid())).inheritIO().start().waitFor();
        JsonNode end = MigrationProbe.awaitEnd(a, m.id());
        System.out.printf("MEASURED target QEMU killed: Failed after %d ms (%s)%n", (System.nanoTime() - t0) / 1_000_000,
                end.path("message").asText());
        assertEquals("Failed", end.path("phase").asText(), end.toString());
        m.assertRolledBack(a, b, "Failed");
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }

    @Test
    @Order(2)
    void shouldShowProgressThenKeepTheVmOnTheSourceWhenCancelledMidStream() throws Exception {
        var m = MigrationProbe.midStream(a, b, SLOW, MID_STREAM_MIB);
        JsonNode vm = a.http().get("/v1/vms/" + VM).json();
        assertEquals("Migrating", vm.path("status").path("phase").asText(), vm.toString());
        JsonNode progress = vm.path("status").path("migration");
        assertEquals(m.id(), progress.path("id").asText());
        assertTrue(progress.path("transferredBytes").asLong() > 0 && progress.path("remainingBytes").asLong() > 0
                && progress.path("rateBytesPerSecond").asLong() > 0, progress.toString());

        long t0 = System.nanoTime();
        UnixHttp.Response cancel = a.http().send("POST", "/v1/migrations/" + m.id() + "/cancel", "application/json", "");
        assertEquals(202, cancel.status(), cancel.body());
        JsonNode end = MigrationProbe.awaitEnd(a, m.id());
        System.out.printf("MEASURED cancel: Cancelled after %d ms (%s)%n", (System.nanoTime() - t0) / 1_000_000,
                end.path("message").asText());
        assertEquals("Cancelled", end.path("phase").asText(), end.toString());
        m.assertRolledBack(a, b, "Cancelled");

        UnixHttp.Response again = a.http().send("POST", "/v1/migrations/" + m.id() + "/cancel", "application/json", "");
        assertEquals(409, again.status(), again.body());
        assertTrue(again.body().contains("cannot be cancelled: it is Cancelled"), again.body());
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }

    @Test
    @Order(3)
    void shouldKeepTheVmOnTheSourceAndCleanTheTargetWhenTheTargetDaemonIsKilledMidStream() throws Exception {
        var m = MigrationProbe.midStream(a, b, SLOW, MID_STREAM_MIB);
        long t0 = System.nanoTime();
        b.kill9();
        JsonNode end = MigrationProbe.awaitEnd(a, m.id());
        System.out.printf("MEASURED target daemon killed: Failed after %d ms (%s)%n", (System.nanoTime() - t0) / 1_000_000,
                end.path("message").asText());
        assertEquals("Failed", end.path("phase").asText(), end.toString());
        MigrationProbe.assertStillRunsOn(a, m.sourcePid(), m.uptime(), "Failed");

        // The restarted target removes what its predecessor left of the uncommitted migration.
        b.start();
        MigrationProbe.assertTargetClean(b, m.targetQemuPid());
        assertFalse(Guest.processRuns(m.targetQemuPid()));
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }

    @Test
    @Order(4)
    void shouldKeepOneCopyWhenTheTargetCannotWriteItsStateAtTheCommit() throws Exception {
        Path dir = b.stateDir().resolve("vms").resolve(VM);
        var m = MigrationProbe.midStream(a, b, ",\"maxBandwidthMbps\":200", MID_STREAM_MIB);
        // Like a full or failing disk on the target: nothing can be created in the VM's folder.
        Assumptions.assumeTrue(chattr("+i", dir), "chattr +i is not supported on " + dir + "; skipped");
        try {
            JsonNode end = MigrationProbe.awaitEnd(a, m.id());
            System.out.printf("MEASURED target's VM folder unwritable at the commit: %s (%s)%n", end.path("phase").asText(),
                    end.path("message").asText());
            assertEquals("Failed", end.path("phase").asText(), end.toString());
            MigrationProbe.assertStillRunsOn(a, m.sourcePid(), m.uptime(), "Failed");
            // One copy: the target's QEMU, which may have run the guest, must be gone.
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Guest.processRuns(m.targetQemuPid()));
            assertEquals(404, b.http().get("/v1/vms/" + VM).status());
        } finally {
            chattr("-i", dir);
        }
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }

    private static boolean chattr(String flag, Path dir) throws Exception {
        return new ProcessBuilder("chattr", flag, dir.toString()).inheritIO().start().waitFor() == 0;
    }

    @Test
    @Order(5)
    void shouldRefuseToCancelWhenNothingRuns() throws Exception {
        UnixHttp.Response r = a.http().send("POST", "/v1/vms/" + VM + "/migrate/cancel", "application/json", "");
        assertEquals(409, r.status(), r.body());
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.http().get("/v1/migrations").status() == 200);
        assertEquals(404, a.http().send("POST", "/v1/migrations/nope/cancel", "application/json", "").status());
    }
}
