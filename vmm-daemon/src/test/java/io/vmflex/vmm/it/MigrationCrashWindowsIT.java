package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.ControlChannel;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.MigrationSettings;
import io.vmflex.vmm.qmp.QmpClient;
import io.vmflex.vmm.qmp.QmpClientOptions;
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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.vmflex.vmm.it.MigrationProbe.VM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source daemon that dies during a migration. (i) After the target prepared: the target drops
 * its paused QEMU when the TTL passes (10 s here). (ii) Mid-stream: the restarted source daemon
 * re-adopts the VM, finds the unfinished migration, asks the target, which does not run the VM,
 * and keeps the VM here; the next migration succeeds.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationCrashWindowsIT {
    private static final long TTL_SECONDS = 10;
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-migc", VM);
    private static TestDaemon a;
    private static TestDaemon b;
    private static Path secret;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(MigrationCrashWindowsIT.class);
        secret = daemons.secret("cluster.secret", 'k');
        a = daemons.startMigrationPeer("a", secret);
        b = daemons.start(daemons.migrationPeer("b", "127.0.0.1", secret).withIncomingTtl(TTL_SECONDS));
        MigrationProbe.bootTestVm(a);
    }

    @Test
    @Order(1)
    void shouldDropThePreparedQemuAfterTheTtlWhenTheSourceNeverComesBack() throws Exception {
        // The test is the source daemon that dies right after its prepare was answered.
        JsonNode vm = a.http().get("/v1/vms/" + VM).json();
        var prepare = new ControlRequest.Prepare(UUID.randomUUID(), vm, 1, 1, false, 30, List.of(), 0, null, null);
        ControlReply answer = ControlChannel.call(MigrationSettings.parseAddress(b.migrationAddress()),
                ClusterSecret.load(secret), prepare, Duration.ofSeconds(90), RelayOptions.DEFAULTS);
        assertEquals(new ControlReply.Done(), answer);
        long t0 = System.nanoTime();
        int targetQemu = MigrationProbe.incomingQemuPid(b);
        assertTrue(Guest.processRuns(targetQemu));
        MigrationProbe.assertTargetClean(b, targetQemu);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("MEASURED prepared but never committed: target dropped it after %d ms (TTL %d s)%n", ms,
                TTL_SECONDS);
        assertTrue(ms >= (TTL_SECONDS - 1) * 1000, "dropped before the TTL: " + ms + " ms");
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }

    @Test
    @Order(2)
    void shouldKeepTheVmOnTheSourceWhenTheSourceDaemonDiesMidStreamAndComesBack() throws Exception {
        var m = MigrationProbe.midStream(a, b, ",\"maxBandwidthMbps\":40", 16);
        Path marker = a.stateDir().resolve("vms").resolve(VM).resolve("outgoing.json");
        assertTrue(Files.exists(marker), "outgoing.json while streaming");
        long t0 = System.nanoTime();
        a.kill9();
        MigrationProbe.assertTargetClean(b, m.targetQemuPid());
        System.out.printf("MEASURED source daemon killed mid-stream: target cleaned up after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertTrue(Guest.processRuns(m.sourcePid()), "the source QEMU must survive its daemon");

        long t1 = System.nanoTime();
        a.start();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(marker));
        System.out.printf("MEASURED restarted source settled the interrupted migration %d ms after start began%n",
                (System.nanoTime() - t1) / 1_000_000);
        MigrationProbe.assertStillRunsOn(a, m.sourcePid(), m.uptime(), "Failed");
        JsonNode last = a.http().get("/v1/vms/" + VM).json().path("status").path("migration");
        assertEquals("Interrupted", last.path("reason").asText(), last.toString());
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }

    @Test
    @Order(3)
    void shouldRollBackAndLeaveTheGuestRunningWhenTheSourceDaemonIsStoppedMidStream() throws Exception {
        var m = MigrationProbe.midStream(a, b, ",\"maxBandwidthMbps\":40", 16);
        long t0 = System.nanoTime();
        a.terminate(); // what systemctl stop does
        long stopMs = (System.nanoTime() - t0) / 1_000_000;
        String run = qmp(a.stateDir().resolve("vms").resolve(VM).resolve("qmp.sock"), "query-status").path("status").asText();
        System.out.printf("MEASURED source daemon stopped mid-stream: exited after %d ms, its QEMU %s%n", stopMs, run);
        assertTrue(Guest.processRuns(m.sourcePid()), "the source QEMU must survive its daemon");
        assertEquals("running", run, "the guest must run on while no daemon is there");
        assertTrue(stopMs < 15_000, "stopping took " + stopMs + " ms");
        MigrationProbe.assertTargetClean(b, m.targetQemuPid());

        a.start();
        MigrationProbe.assertStillRunsOn(a, m.sourcePid(), m.uptime(), "Cancelled");
        assertFalse(Files.exists(a.stateDir().resolve("vms").resolve(VM).resolve("outgoing.json")));
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }

    @Test
    @Order(4)
    void shouldResumeAnArrivedVmWhoseDaemonDiedBetweenTheCommitPointAndResumingIt() throws Exception {
        // The state a target daemon killed right after its commit point leaves: the guest loaded in a
        // paused QEMU, the VM's files written, the resume marker there. Made here from a VM on a.
        int pid = MigrationProbe.pid(a);
        long uptime = MigrationProbe.awaitUptimeAbove(a, 0);
        Path dir = a.stateDir().resolve("vms").resolve(VM);
        a.kill9();
        qmp(dir.resolve("qmp.sock"), "stop");
        assertEquals("paused", qmp(dir.resolve("qmp.sock"), "query-status").path("status").asText());
        Files.writeString(dir.resolve("resume.json"), "{}");

        a.start();
        JsonNode vm = Guest.awaitPhase(a.http(), VM, "Running", MigrationProbe.STEP);
        assertEquals(pid, vm.path("status").path("pid").asInt(), vm.toString());
        MigrationProbe.awaitUptimeAbove(a, uptime + 1);
        assertTrue(!Files.exists(dir.resolve("resume.json")), "resume marker left");
        assertTrue(a.http().get("/v1/events?vm=" + VM).body().contains("resumed by a restarted daemon"));
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }

    /** One QMP command to a VM's QEMU while no daemon holds its QMP socket (the daemon's own client). */
    private static JsonNode qmp(Path socket, String command) throws Exception {
        try (QmpClient client = QmpClient.connect(socket, QmpClientOptions.defaults()).get(10, TimeUnit.SECONDS)) {
            return client.execute(command, null).get(10, TimeUnit.SECONDS);
        }
    }
}
