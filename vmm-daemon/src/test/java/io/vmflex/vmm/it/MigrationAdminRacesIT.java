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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.vmflex.vmm.it.MigrationProbe.STEP;
import static io.vmflex.vmm.it.MigrationProbe.VM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Admin API calls that arrive while a VM migrates: a spec change on the source, a delete on the
 * source, a create of the same name on the target. Each must get a prompt, clear answer and leave
 * exactly one VM (or none, after a delete) — never a copy that comes back on the node it left.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationAdminRacesIT {
    /** ~135 MiB at 200 Mbit/s: a few seconds, time for one request mid-stream. */
    private static final String MEDIUM = ",\"maxBandwidthMbps\":200";
    /** ~30 s: a request mid-stream cannot be overtaken by the end of the migration. */
    private static final String SLOW = ",\"maxBandwidthMbps\":40";
    private static final long MID_STREAM_MIB = 16;
    /** A refusal must not wait for the migration to end. */
    private static final long PROMPT_MS = 3_000;
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-migr", VM);
    private static TestDaemon a;
    private static TestDaemon b;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(MigrationAdminRacesIT.class);
        Path secret = daemons.secret("cluster.secret", 'r');
        a = daemons.startMigrationPeer("a", secret);
        b = daemons.startMigrationPeer("b", secret);
        MigrationProbe.bootTestVm(a);
    }

    @Test
    @Order(1)
    void shouldRefuseSpecChangesWhileMigratingAndLeaveNoCopyOnTheSource() throws Exception {
        String id = MigrationProbe.start(a, b, MEDIUM);
        JsonNode mid = MigrationProbe.awaitTransferred(a, id, MID_STREAM_MIB);
        assertEquals("Migrating", mid.path("phase").asText(), mid.toString());

        long t0 = System.nanoTime();
        UnixHttp.Response patch = a.http().send("PATCH", "/v1/vms/" + VM, "application/merge-patch+json",
                "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2}}}}");
        long patchMs = (System.nanoTime() - t0) / 1_000_000;
        UnixHttp.Response put = a.http().send("PUT", "/v1/vms/" + VM, "application/yaml",
                TestVm.yaml().replace("use: 1", "use: 2"));
        System.out.printf("MEASURED spec change mid-migration: PATCH %d in %d ms: %s%n", patch.status(), patchMs, patch.body().trim());
        assertEquals(409, patch.status(), patch.body());
        assertTrue(patchMs < PROMPT_MS, "PATCH waited " + patchMs + " ms for the migration");
        assertTrue(patch.body().contains("is migrating"), patch.body());
        assertEquals(409, put.status(), put.body());
        assertEquals(1, a.http().get("/v1/vms/" + VM).json().path("spec").path("guest").path("cpus").path("use").asInt());

        JsonNode end = MigrationProbe.awaitEnd(a, id);
        assertEquals("Completed", end.path("phase").asText(), end.toString());
        JsonNode onB = Guest.awaitPhase(b.http(), VM, "Running", STEP);
        int pidOnB = onB.path("status").path("pid").asInt();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.http().get("/v1/vms/" + VM).status() == 404);
        assertFalse(Files.exists(a.stateDir().resolve("vms").resolve(VM)), "the source kept the VM's folder");
        String movedTo = "it moved to " + b.migrationAddress() + " by migration " + id;
        assertTrue(a.http().get("/v1/vms/" + VM).body().contains(movedTo), a.http().get("/v1/vms/" + VM).body());

        // A restarted source must not bring back a VM that runs on the target.
        a.terminate();
        a.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.http().get("/v1/vms").status() == 200);
        UnixHttp.Response gone = a.http().get("/v1/vms/" + VM);
        assertEquals(404, gone.status());
        assertTrue(gone.body().contains(movedTo), gone.body());
        assertEquals(pidOnB, b.http().get("/v1/vms/" + VM).json().path("status").path("pid").asInt());

        // The node that runs the VM now takes the change.
        UnixHttp.Response there = b.http().send("PATCH", "/v1/vms/" + VM, "application/merge-patch+json",
                "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2}}}}");
        assertEquals(200, there.status(), there.body());
        Guest.awaitReport(b.http(), VM, STEP, r -> r.cpus() == 2);
        MigrationProbe.assertMigrates(b, a);
    }

    @Test
    @Order(2)
    void shouldCancelTheMigrationWhenTheVmIsDeletedMidStream() throws Exception {
        var m = MigrationProbe.midStream(a, b, SLOW, MID_STREAM_MIB);

        long t0 = System.nanoTime();
        UnixHttp.Response deleted = a.http().send("DELETE", "/v1/vms/" + VM, null, null);
        long deleteMs = (System.nanoTime() - t0) / 1_000_000;
        JsonNode end = MigrationProbe.awaitEnd(a, m.id());
        System.out.printf("MEASURED delete mid-migration: %d in %d ms, migration %s (%s)%n", deleted.status(), deleteMs,
                end.path("phase").asText(), end.path("message").asText());
        assertEquals(200, deleted.status(), deleted.body());
        assertEquals("Cancelled", end.path("phase").asText(), end.toString());
        assertTrue(deleteMs < 10_000, "DELETE took " + deleteMs + " ms");
        assertEquals(404, a.http().get("/v1/vms/" + VM).status());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Guest.processRuns(m.sourcePid()));
        assertFalse(Files.exists(a.stateDir().resolve("vms").resolve(VM)));
        MigrationProbe.assertTargetClean(b, m.targetQemuPid());
    }

    @Test
    @Order(3)
    void shouldRefuseToCreateAVmOnTheTargetUnderTheNameOfOneMigratingIn() throws Exception {
        MigrationProbe.bootTestVm(a);
        var m = MigrationProbe.midStream(a, b, SLOW, MID_STREAM_MIB);

        UnixHttp.Response created = b.http().send("POST", "/v1/vms", "application/yaml", TestVm.yaml());
        UnixHttp.Response put = b.http().send("PUT", "/v1/vms/" + VM, "application/yaml", TestVm.yaml());
        System.out.printf("MEASURED create of an incoming VM's name on the target: %d %s%n", created.status(), created.body().trim());
        assertEquals(409, created.status(), created.body());
        assertTrue(created.body().contains("migrating to this node"), created.body());
        assertEquals(409, put.status(), put.body());
        assertEquals(404, b.http().get("/v1/vms/" + VM).status());

        UnixHttp.Response cancel = a.http().send("POST", "/v1/migrations/" + m.id() + "/cancel", "application/json", "");
        assertEquals(202, cancel.status(), cancel.body());
        assertEquals("Cancelled", MigrationProbe.awaitEnd(a, m.id()).path("phase").asText());
        m.assertRolledBack(a, b, "Cancelled");
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }
}
