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
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest that keeps writing its root disk moves A→B→A and still reads back, from the disk, what it
 * wrote last: the root disk's writes go with the VM (NBD mirror over the relay, completed while the
 * guest is paused). Without the mirror the target's fresh overlay would return the image's bytes
 * and the guest would print {@code BAD}. Then a fault while the disk itself is being copied (the
 * target QEMU killed): the VM stays on the source with every write, and the next move carries all.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationDiskIT {
    private static final String VM = "disk-vm";
    private static final Duration STEP = Duration.ofSeconds(90);
    /** "verify": the 1 MiB rewritten every second; "whole": the 40 MiB written once at boot. */
    private static final Pattern VERIFY = Pattern.compile("vmflex-disk: (verify|whole) (\\d+) (ok|BAD)");
    private static final Pattern COPYING = Pattern.compile("copying the disks' writes to the target: ([0-9.]+) of ([0-9.]+) MiB");
    /**
     * Stops the monitor and unmounts its file system (the disk's bytes are the test's from then on),
     * writes 40 MiB of random bytes at 9 MiB once (so the overlay the mirror copies is large enough
     * to strike while it is copied), then forever: check that the 1 MiB at 8 MiB is what it wrote last
     * (page cache dropped, so read from the disk), write new random bytes there with fsync; every
     * fifth round also check the 40 MiB. One line: the daemon passes argv one argument per line.
     */
    private static final String SCRIPT = String.join("; ",
            TestVm.RELEASE_MONITOR_DISK, "i=0", "prev=",
            "dd if=/dev/urandom of=/tmp/w bs=1048576 count=40 2>/dev/null",
            "dd if=/tmp/w of=/dev/vda bs=1048576 seek=9 conv=fsync 2>/dev/null",
            "whole=$(md5sum < /tmp/w)", "rm /tmp/w",
            "while :; do i=$((i+1))",
            "if [ $((i % 5)) = 0 ]; then echo 3 > /proc/sys/vm/drop_caches",
            "now=$(dd if=/dev/vda bs=1048576 skip=9 count=40 2>/dev/null | md5sum)",
            "if [ \"$now\" = \"$whole\" ]; then echo \"vmflex-disk: whole $i ok\"; else echo \"vmflex-disk: whole $i BAD\"; fi",
            "fi",
            "if [ -n \"$prev\" ]; then echo 3 > /proc/sys/vm/drop_caches",
            "now=$(dd if=/dev/vda bs=65536 skip=128 count=16 2>/dev/null | md5sum)",
            "if [ \"$now\" = \"$prev\" ]; then echo \"vmflex-disk: verify $i ok\"; else echo \"vmflex-disk: verify $i BAD\"; fi",
            "fi", "dd if=/dev/urandom of=/tmp/p bs=65536 count=16 2>/dev/null",
            "dd if=/tmp/p of=/dev/vda bs=65536 seek=128 conv=fsync 2>/dev/null",
            "prev=$(md5sum < /tmp/p)", "sleep 1", "done");

    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-migd", VM);
    private static TestDaemon a;
    private static TestDaemon b;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(MigrationDiskIT.class);
        Path secret = daemons.secret("cluster.secret", 'd');
        a = daemons.startMigrationPeer("a", secret);
        b = daemons.startMigrationPeer("b", secret);
        TestVm.create(a, TestVm.diskWriter(VM, SCRIPT));
    }

    /**
     * The guest's check lines on {@code d}'s console: the round of the last "verify" and of the last
     * "whole" check, and how many checks of either kind said BAD.
     */
    private static int[] verifies(TestDaemon d) throws IOException {
        int last = -1;
        int lastWhole = -1;
        int bad = 0;
        for (String line : Guest.consoleLines(d.http(), VM)) {
            assertFalse(line.contains(TestVm.DISK_STILL_MOUNTED), line);
            Matcher m = VERIFY.matcher(line);
            if (m.find()) {
                int round = Integer.parseInt(m.group(2));
                if (m.group(1).equals("verify")) {
                    last = round;
                } else {
                    lastWhole = round;
                }
                bad += m.group(3).equals("BAD") ? 1 : 0;
            }
        }
        return new int[] {last, lastWhole, bad};
    }

    private static int awaitVerifiesPast(TestDaemon d, int index) {
        return awaitChecksPast(d, index, 0);
    }

    /** Waits for a "verify" after round {@code index} (and a "whole" after {@code wholeIndex}); asserts no BAD. */
    private static int awaitChecksPast(TestDaemon d, int index, int wholeIndex) {
        int[][] seen = new int[1][];
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500)).until(() -> {
            seen[0] = verifies(d);
            return seen[0][0] > index && seen[0][1] > wholeIndex;
        });
        assertEquals(0, seen[0][2], "the guest read back something else than it wrote on " + d);
        return seen[0][0];
    }

    private static void migrate(TestDaemon from, TestDaemon to) throws Exception {
        MigrationProbe.migrateAndWait(from, to, VM, 10_000);
    }

    @Test
    @Order(1)
    void shouldCarryTheRootDisksWritesThereAndBack() throws Exception {
        Guest.awaitPhase(a.http(), VM, "Running", STEP);
        int before = awaitVerifiesPast(a, 2);

        migrate(a, b);
        Guest.awaitPhase(b.http(), VM, "Running", STEP);
        // The first check on B reads what the guest wrote on A just before the move.
        int onB = awaitVerifiesPast(b, before + 2);

        migrate(b, a);
        Guest.awaitPhase(a.http(), VM, "Running", STEP);
        int back = awaitVerifiesPast(a, onB + 2);
        assertTrue(back > onB, "the guest kept writing and checking: " + before + " -> " + onB + " -> " + back);
        System.out.printf("MigrationDiskIT: verified writes %d on A, %d on B, %d back on A%n", before, onB, back);
    }

    @Test
    @Order(2)
    void shouldKeepTheVmAndEveryDiskWriteOnTheSourceWhenTheTargetQemuIsKilledWhileTheDiskIsCopied() throws Exception {
        JsonNode vm = Guest.awaitPhase(a.http(), VM, "Running", STEP);
        int pid = vm.path("status").path("pid").asInt();
        int before = awaitVerifiesPast(a, verifies(a)[0]);
        // 40 Mbit/s binds the disk copy too: after a first burst (the job's 16 MiB buffer), the rest
        // of the ~41 MiB overlay takes ~5 s.
        UnixHttp.Response r = a.http().send("POST", "/v1/vms/" + VM + "/migrate", "application/json",
                "{\"target\":\"" + b.migrationAddress() + "\",\"downtimeLimitMs\":300,\"maxBandwidthMbps\":40}");
        assertEquals(202, r.status(), r.body());
        String id = r.json().path("id").asText();
        int targetQemu = MigrationProbe.incomingQemuPid(b, VM);
        JsonNode copying = MigrationProbe.await(a, id, STEP, m -> {
            Matcher c = COPYING.matcher(m.path("message").asText());
            return (c.find() && Double.parseDouble(c.group(1)) >= 2) || m.path("phase").asText().matches("Completed|Failed|Cancelled");
        });
        Matcher c = COPYING.matcher(copying.path("message").asText());
        assertTrue(c.find(), "the migration is still copying the disk: " + copying);
        assertTrue(Double.parseDouble(c.group(2)) >= 40, "the whole overlay is to be copied: " + copying);
        System.out.println("MigrationDiskIT: killing the target QEMU at " + copying.path("message").asText());
        long t0 = System.nanoTime();
        new ProcessBuilder("kill", "-9", Integer.toString(targetQemu)).inheritIO().start().waitFor();
        JsonNode end = MigrationProbe.awaitEnd(a, id);
        System.out.printf("MEASURED target QEMU killed during the disk copy: %s after %d ms (%s)%n", end.path("phase").asText(),
                (System.nanoTime() - t0) / 1_000_000, end.path("message").asText());
        assertEquals("Failed", end.path("phase").asText(), end.toString());

        JsonNode after = Guest.awaitPhase(a.http(), VM, "Running", STEP);
        assertEquals(pid, after.path("status").path("pid").asInt(), "the same QEMU runs the VM: " + after);
        MigrationProbe.assertTargetClean(b, targetQemu, VM);
        int[] onA = verifies(a);
        int kept = awaitChecksPast(a, before + 2, onA[1]);

        migrate(a, b);
        Guest.awaitPhase(b.http(), VM, "Running", STEP);
        int[] moved = verifies(b);
        int onB = awaitChecksPast(b, kept + 1, Math.max(moved[1], 0));
        System.out.printf("MigrationDiskIT: after the failed copy, verified writes %d on A, %d on B (whole 40 MiB checked)%n",
                kept, onB);
    }
}
