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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live migration of the running test VM between two vmmds on this machine (no VM network), relayed
 * through the daemons; the guest's own console report (same vCPUs, uptime not reset) is the judge.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationIT {
    private static final String VM = TestVm.NAME;
    private static final Duration STEP = Duration.ofSeconds(90);
    private static final Pattern UPTIME = Pattern.compile("vmflex-guest: cpus=(\\d+) memtotal_kb=\\d+ uptime=(\\d+)");
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-mig", VM);
    private static TestDaemon a;
    private static TestDaemon b;
    private static TestDaemon wrongSecret;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(MigrationIT.class);
        Path secret = daemons.secret("cluster.secret", 'k');
        Path other = daemons.secret("other.secret", 'x');
        a = daemons.startMigrationPeer("a", secret);
        b = daemons.startMigrationPeer("b", secret);
        wrongSecret = daemons.startMigrationPeer("c", other);
        TestVm.create(a);
    }

    /** cpus and uptime of the guest's latest console report on {@code d}, or null. */
    private static long[] lastUptime(TestDaemon d) throws IOException {
        String console = d.http().get("/v1/vms/" + VM + "/console?tail=20").body();
        Matcher m = UPTIME.matcher(console);
        long[] last = null;
        while (m.find()) {
            last = new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
        }
        return last;
    }

    private static long[] awaitUptimeAbove(TestDaemon d, long min) {
        long[][] seen = new long[1][];
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(300)).until(() -> {
            seen[0] = lastUptime(d);
            return seen[0] != null && seen[0][1] > min;
        });
        return seen[0];
    }

    /** Starts a migration and polls it to its end; returns its final status. */
    private static JsonNode migrate(TestDaemon from, TestDaemon to) throws Exception {
        return migrate(from, to, 1);
    }

    private static JsonNode migrate(TestDaemon from, TestDaemon to, int multifdChannels) throws Exception {
        UnixHttp.Response r = from.http().send("POST", "/v1/vms/" + VM + "/migrate", "application/json",
                "{\"target\":\"" + to.migrationAddress() + "\",\"downtimeLimitMs\":300,\"maxBandwidthMbps\":10000"
                        + ",\"multifdChannels\":" + multifdChannels + "}");
        assertEquals(202, r.status(), r.body());
        String id = r.json().path("id").asText();
        JsonNode[] st = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).until(() -> {
            st[0] = from.http().get("/v1/migrations/" + id).json();
            String phase = st[0].path("phase").asText();
            return phase.equals("Completed") || phase.equals("Failed");
        });
        System.out.println("migration " + st[0]);
        return st[0];
    }

    private static int pid(TestDaemon d) throws IOException {
        return d.http().get("/v1/vms/" + VM).json().path("status").path("pid").asInt();
    }

    @Test
    @Order(1)
    void shouldRunWithTwoCpusAndFourSlotsBeforeMigrating() throws Exception {
        Guest.awaitPhase(a.http(), VM, "Running", STEP);
        UnixHttp.Response r = a.http().send("PATCH", "/v1/vms/" + VM, "application/merge-patch+json",
                "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2},\"memorySlots\":{\"use\":4}}}}");
        assertEquals(200, r.status(), r.body());
        Guest.awaitReport(a.http(), VM, STEP, x -> x.cpus() == 2);
        JsonNode vm = Guest.awaitPhase(a.http(), VM, "Running", STEP);
        Awaitility.await().atMost(STEP).until(() -> "512Mi".equals(
                a.http().get("/v1/vms/" + VM).json().path("status").path("memorySize").asText()));
        assertEquals(2, vm.path("status").path("cpus").asInt());
    }

    @Test
    @Order(2)
    void shouldKeepRunningOnTheSourceWhenTheTargetHasAnotherSecret() throws Exception {
        int pid = pid(a);
        long[] before = awaitUptimeAbove(a, 0);
        JsonNode st = migrate(a, wrongSecret);
        assertEquals("Failed", st.path("phase").asText(), st.toString());
        assertTrue(st.path("message").asText().contains("AUTH_FAILED"), st.toString());
        assertEquals(404, wrongSecret.http().get("/v1/vms/" + VM).status());
        // A limit QEMU would refuse only after its first pass is refused at once, and nothing starts.
        UnixHttp.Response tooLong = a.http().send("POST", "/v1/vms/" + VM + "/migrate", "application/json",
                "{\"target\":\"" + b.migrationAddress() + "\",\"downtimeLimitMs\":2000001}");
        assertEquals(400, tooLong.status(), tooLong.body());
        assertTrue(tooLong.body().contains("downtimeLimitMs must be at most 2000000"), tooLong.body());
        JsonNode vm = Guest.awaitPhase(a.http(), VM, "Running", STEP);
        assertEquals(pid, vm.path("status").path("pid").asInt());
        long[] after = awaitUptimeAbove(a, before[1] + 1);
        assertEquals(2, after[0]);
    }

    @Test
    @Order(3)
    void shouldMoveTheRunningGuestToTheOtherDaemonWithoutRebooting() throws Exception {
        int pidA = pid(a);
        long[] before = awaitUptimeAbove(a, 0);
        JsonNode st = migrate(a, b);
        assertEquals("Completed", st.path("phase").asText(), st.toString());
        assertTrue(st.path("totalMs").asLong() > 0, st.toString());
        // The guest's whole pause: QEMU's downtime plus the commit that resumed it on the target.
        assertTrue(st.path("switchoverMs").asLong() > st.path("downtimeMs").asLong(), st.toString());

        JsonNode vm = Guest.awaitPhase(b.http(), VM, "Running", STEP);
        assertEquals(2, vm.path("status").path("cpus").asInt(), vm.toString());
        assertEquals("512Mi", vm.path("status").path("memorySize").asText(), vm.toString());
        assertEquals("node-b", vm.path("status").path("node").asText());
        long[] after = awaitUptimeAbove(b, before[1]);
        assertEquals(2, after[0], "vCPUs the guest sees after the migration");
        assertTrue(after[1] >= before[1], "uptime reset: the guest rebooted");

        assertEquals(404, a.http().get("/v1/vms/" + VM).status());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Guest.processRuns(pidA));
        assertFalse(Files.exists(a.stateDir().resolve("vms").resolve(VM).resolve("vm.json")));
    }

    @Test
    @Order(4)
    void shouldMigrateBackToTheFirstDaemon() throws Exception {
        int pidB = pid(b);
        long[] before = awaitUptimeAbove(b, 0);
        JsonNode st = migrate(b, a);
        assertEquals("Completed", st.path("phase").asText(), st.toString());
        JsonNode vm = Guest.awaitPhase(a.http(), VM, "Running", STEP);
        assertEquals(2, vm.path("status").path("cpus").asInt(), vm.toString());
        long[] after = awaitUptimeAbove(a, before[1]);
        assertEquals(2, after[0]);
        assertEquals(404, b.http().get("/v1/vms/" + VM).status());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Guest.processRuns(pidB));
    }

    @Test
    @Order(5)
    void shouldMoveTheGuestOverThreeRelayedConnectionsWithTwoMultifdChannels() throws Exception {
        int pidA = pid(a);
        long[] before = awaitUptimeAbove(a, 0);
        JsonNode st = migrate(a, b, 2);
        assertEquals("Completed", st.path("phase").asText(), st.toString());

        JsonNode vm = Guest.awaitPhase(b.http(), VM, "Running", STEP);
        assertEquals(2, vm.path("status").path("cpus").asInt(), vm.toString());
        assertEquals("512Mi", vm.path("status").path("memorySize").asText(), vm.toString());
        long[] after = awaitUptimeAbove(b, before[1]);
        assertEquals(2, after[0], "vCPUs the guest sees after the multifd migration");
        assertTrue(after[1] >= before[1], "uptime reset: the guest rebooted");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Guest.processRuns(pidA));
        // Main channel + 2 multifd channels: the source daemon relayed channels 0, 1 and 2.
        String id = st.path("id").asText();
        assertTrue(daemonLog(a).contains("migration " + id + " channel 2 relaying"), "no third relayed connection");
    }

    private static String daemonLog(TestDaemon d) throws IOException {
        StringBuilder all = new StringBuilder();
        try (var logs = Files.list(d.stateDir())) {
            for (Path p : logs.filter(p -> p.getFileName().toString().startsWith("vmmd-")).toList()) {
                all.append(Files.readString(p));
            }
        }
        return all.toString();
    }
}
