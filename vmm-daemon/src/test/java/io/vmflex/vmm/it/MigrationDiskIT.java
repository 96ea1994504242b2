package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest that keeps writing its root disk moves A→B→A and still reads back, from the disk, what it
 * wrote last: the root disk's writes go with the VM (NBD mirror over the relay, completed while the
 * guest is paused). Without the mirror the target's fresh overlay would return the image's bytes
 * and the guest would print {@code BAD}.
 */
@Tag("qemu")
class MigrationDiskIT {
    private static final String VM = "disk-vm";
    private static final Duration STEP = Duration.ofSeconds(90);
    private static final Pattern VERIFY = Pattern.compile("vmflex-disk: verify (\\d+) (ok|BAD)");
    /**
     * Stops the monitor and unmounts its file system (the disk's bytes are the test's from then on),
     * then forever: check that the 1 MiB at 8 MiB is what it wrote last (page cache dropped, so read
     * from the disk), write new random bytes there with fsync. One line: the daemon passes argv one
     * argument per line.
     */
    private static final String SCRIPT = String.join("; ",
            "killall java 2>/dev/null", "sleep 1", "umount /opt/vmflex-monitor 2>/dev/null", "i=0", "prev=",
            "while :; do i=$((i+1))",
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
        String yaml = TestVm.yaml(VM).replace("    rootDisk:", "    command: [\"/bin/sh\", \"-c\", '" + SCRIPT + "']\n    rootDisk:");
        TestVm.create(a, yaml);
    }

    /** The guest's verify lines on {@code d}'s console: index of the last one, and whether any said BAD. */
    private static int[] verifies(TestDaemon d) throws IOException {
        int last = -1;
        int bad = 0;
        for (String line : Guest.consoleLines(d.http(), VM)) {
            Matcher m = VERIFY.matcher(line);
            if (m.find()) {
                last = Integer.parseInt(m.group(1));
                bad += m.group(2).equals("BAD") ? 1 : 0;
            }
        }
        return new int[] {last, bad};
    }

    private static int awaitVerifiesPast(TestDaemon d, int index) {
        int[][] seen = new int[1][];
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500)).until(() -> {
            seen[0] = verifies(d);
            return seen[0][0] > index;
        });
        assertEquals(0, seen[0][1], "the guest read back something else than it wrote on " + d);
        return seen[0][0];
    }

    private static JsonNode migrate(TestDaemon from, TestDaemon to) throws Exception {
        UnixHttp.Response r = from.http().send("POST", "/v1/vms/" + VM + "/migrate?wait=true", "application/json",
                "{\"target\":\"" + to.migrationAddress() + "\",\"downtimeLimitMs\":300,\"maxBandwidthMbps\":10000}");
        assertEquals(200, r.status(), r.body());
        JsonNode st = r.json();
        System.out.println("MigrationDiskIT: " + st);
        assertEquals("Completed", st.path("phase").asText(), st.toString());
        return st;
    }

    @Test
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
}
