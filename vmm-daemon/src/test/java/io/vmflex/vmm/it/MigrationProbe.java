package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the migration fault tests do over and over, against daemons in child JVMs: start a
 * migration, wait for a byte count or its end, and check that the VM still runs on the source
 * (same QEMU, guest uptime growing) while the target holds nothing of it.
 */
final class MigrationProbe {
    static final String VM = TestVm.NAME;
    static final Duration STEP = Duration.ofSeconds(90);
    private static final Pattern UPTIME = Pattern.compile("vmflex-guest: cpus=(\\d+) memtotal_kb=\\d+ uptime=(\\d+)");

    private MigrationProbe() {
    }

    /** Creates the test VM on {@code source} and waits until it runs and its guest counts uptime. */
    static void bootTestVm(TestDaemon source) throws IOException {
        TestVm.create(source);
        Guest.awaitPhase(source.http(), VM, "Running", STEP);
        awaitUptimeAbove(source, 0);
    }

    /** Guest uptime (s) of the latest console report on {@code d}, or -1. */
    static long uptime(TestDaemon d) throws IOException {
        String console = d.http().get("/v1/vms/" + VM + "/console?tail=20").body();
        Matcher m = UPTIME.matcher(console);
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(2));
        }
        return last;
    }

    static long awaitUptimeAbove(TestDaemon d, long min) {
        long[] seen = new long[1];
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(300)).until(() -> {
            seen[0] = uptime(d);
            return seen[0] > min;
        });
        return seen[0];
    }

    static int pid(TestDaemon d) throws IOException {
        return d.http().get("/v1/vms/" + VM).json().path("status").path("pid").asInt();
    }

    /** Starts a migration of the test VM to {@code to}'s migration address; returns its id. */
    static String start(TestDaemon from, TestDaemon to, String extraJson) throws IOException {
        return start(from, to, VM, extraJson);
    }

    static String start(TestDaemon from, TestDaemon to, String vm, String extraJson) throws IOException {
        UnixHttp.Response r = from.http().send("POST", "/v1/vms/" + vm + "/migrate", "application/json",
                "{\"target\":\"" + to.migrationAddress() + "\",\"downtimeLimitMs\":300" + extraJson + "}");
        assertEquals(202, r.status(), r.body());
        return r.json().path("id").asText();
    }

    static JsonNode await(TestDaemon from, String id, Duration atMost, Predicate<JsonNode> until) {
        JsonNode[] st = new JsonNode[1];
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> {
            st[0] = from.http().get("/v1/migrations/" + id).json();
            return until.test(st[0]);
        });
        return st[0];
    }

    static JsonNode awaitEnd(TestDaemon from, String id) {
        JsonNode st = await(from, id, Duration.ofSeconds(150), m -> switch (m.path("phase").asText()) {
            case "Completed", "Failed", "Cancelled" -> true;
            default -> false;
        });
        System.out.println("migration " + st);
        return st;
    }

    static JsonNode awaitTransferred(TestDaemon from, String id, long mib) {
        return await(from, id, STEP, m -> m.path("transferredBytes").asLong() > mib << 20
                || m.path("phase").asText().matches("Completed|Failed|Cancelled"));
    }

    /** A migration of the test VM caught mid-stream, where the fault tests strike. */
    record MidStream(int sourcePid, long uptime, String id, int targetQemuPid, JsonNode status) {
        /** The fault left the VM on the source ({@link #assertStillRunsOn}) and nothing of it on the target. */
        void assertRolledBack(TestDaemon source, TestDaemon target, String phase) throws IOException {
            assertStillRunsOn(source, sourcePid, uptime, phase);
            assertTargetClean(target, targetQemuPid);
        }
    }

    /** Starts a migration of the test VM and returns once more than {@code mib} MiB went through. */
    static MidStream midStream(TestDaemon from, TestDaemon to, String extraJson, long mib) throws IOException {
        int pid = pid(from);
        long uptime = uptime(from);
        String id = start(from, to, extraJson);
        int targetQemu = incomingQemuPid(to);
        return new MidStream(pid, uptime, id, targetQemu, awaitTransferred(from, id, mib));
    }

    /** The fault left the VM where it was: same QEMU, running, its guest still counting. */
    static void assertStillRunsOn(TestDaemon source, int pid, long uptimeBefore, String phase) throws IOException {
        JsonNode vm = Guest.awaitPhase(source.http(), VM, "Running", STEP);
        assertEquals(pid, vm.path("status").path("pid").asInt(), vm.toString());
        assertEquals(phase, vm.path("status").path("migration").path("phase").asText(), vm.toString());
        awaitUptimeAbove(source, uptimeBefore + 1);
    }

    /** The target has no VM, no VM dir, and {@code targetQemuPid} (if known) is gone. */
    static void assertTargetClean(TestDaemon target, int targetQemuPid) throws IOException {
        assertTargetClean(target, targetQemuPid, VM);
    }

    static void assertTargetClean(TestDaemon target, int targetQemuPid, String vm) throws IOException {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                !Files.exists(target.stateDir().resolve("vms").resolve(vm))
                        && (targetQemuPid <= 0 || !Guest.processRuns(targetQemuPid)));
        assertEquals(404, target.http().get("/v1/vms/" + vm).status());
    }

    /** The incoming QEMU's pid on {@code target}, once it has one (during a prepared migration). */
    static int incomingQemuPid(TestDaemon target) {
        return incomingQemuPid(target, VM);
    }

    static int incomingQemuPid(TestDaemon target, String vm) {
        Path pidFile = target.stateDir().resolve("vms").resolve(vm).resolve("qemu.pid");
        int[] pid = new int[1];
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!Files.exists(pidFile)) {
                return false;
            }
            String s = Files.readString(pidFile).trim();
            if (s.isEmpty()) {
                return false;
            }
            pid[0] = Integer.parseInt(s);
            return true;
        });
        return pid[0];
    }

    /** Migrates {@code vm} with {@code ?wait=true}; asserts it completed and returns its final status. */
    static JsonNode migrateAndWait(TestDaemon from, TestDaemon to, String vm, long maxBandwidthMbps) throws IOException {
        UnixHttp.Response r = from.http().send("POST", "/v1/vms/" + vm + "/migrate?wait=true", "application/json",
                "{\"target\":\"" + to.migrationAddress() + "\",\"downtimeLimitMs\":300,\"maxBandwidthMbps\":" + maxBandwidthMbps + "}");
        assertEquals(200, r.status(), r.body());
        JsonNode st = r.json();
        System.out.println("migration " + st);
        assertEquals("Completed", st.path("phase").asText(), st.toString());
        return st;
    }

    /** A full-speed migration {@code from} → {@code to} completes, and the guest runs on {@code to}. */
    static void assertMigrates(TestDaemon from, TestDaemon to) throws IOException {
        int pidFrom = pid(from);
        long before = awaitUptimeAbove(from, 0);
        JsonNode st = awaitEnd(from, start(from, to, ",\"maxBandwidthMbps\":10000"));
        assertEquals("Completed", st.path("phase").asText(), st.toString());
        Guest.awaitPhase(to.http(), VM, "Running", STEP);
        assertTrue(awaitUptimeAbove(to, before) >= before);
        assertEquals(404, from.http().get("/v1/vms/" + VM).status());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Guest.processRuns(pidFrom));
        assertFalse(Files.exists(from.stateDir().resolve("vms").resolve(VM).resolve("vm.json")));
    }

    /** After a fault: full-speed migrations {@code source} → {@code target} and back both complete. */
    static void assertMigratesThereAndBack(TestDaemon source, TestDaemon target) throws IOException {
        assertMigrates(source, target);
        assertMigrates(target, source);
    }
}
