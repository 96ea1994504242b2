package io.vmflex.vmm.it;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Guest memory that is being written while the VM moves arrives intact. Each cycle boots a VM with
 * two vCPUs and moves it at once, while its kernel is still busy starting the guest monitor's JVM,
 * then back; meanwhile a guest process rewrites ~2 MiB of its memory round after round and checks
 * every value before the next round. A page whose last writes a migration failed to carry shows up
 * on the target as a value from an older round ({@code vmflex-mem: BAD}) or, when the kernel's own
 * pages were hit, as a guest that stops (bad page state, list corruption): seen under TCG before
 * vmmd gave the VM's boot memory a length QEMU syncs page by page (see QemuCommandLine).
 *
 * <p>The VM has hot-pluggable memory but none plugged, so its virtio-mem region sits at RAM offset
 * 0 and everything the guest writes is in boot memory after it: the layout that lost writes.
 */
@Tag("qemu")
class MigrationMemoryIT {
    private static final String VM = "mem-vm";
    private static final Duration STEP = Duration.ofSeconds(90);
    private static final int CYCLES = 3;
    /** Slow enough that a move spans many dirty-bitmap syncs (the guest's ~150 MB take ~4 s). */
    private static final int SLOW_MBPS = 300;
    private static final Pattern ROUND = Pattern.compile("vmflex-mem: round (\\d+) bad (\\d+)");
    /** busybox awk: 40000 array cells (numbers stored in place), written with the round, then all checked. */
    private static final String SCRIPT = "awk 'BEGIN { n = 40000; for (r = 1; ; r++) {"
            + " for (i = 0; i < n; i++) a[i] = r;"
            + " for (i = 0; i < n; i++) if (a[i] != r) { bad++; if (bad < 5) print \"vmflex-mem: BAD round \" r \" cell \" i \" holds \" a[i] };"
            + " if (r % 5 == 0) { print \"vmflex-mem: round \" r \" bad \" bad + 0; fflush() } } }'";

    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-migm", VM);
    private static TestDaemon a;
    private static TestDaemon b;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(MigrationMemoryIT.class);
        Path secret = daemons.secret("cluster.secret", 'm');
        a = daemons.startMigrationPeer("a", secret);
        b = daemons.startMigrationPeer("b", secret);
    }

    private static String yaml() throws IOException {
        return TestVm.yaml(VM).replace("      use: 1\n      max: 4", "      use: 2\n      max: 4")
                .replace("    rootDisk:", "    command: [\"/bin/sh\", \"-c\", \"" + SCRIPT.replace("\"", "\\\"") + "\"]\n    rootDisk:");
    }

    /** The latest round line on {@code d}'s console: {round, bad}, or {-1, 0}; fails on a BAD line. */
    private static int[] lastRound(TestDaemon d) throws IOException {
        List<String> lines = Guest.consoleLines(d.http(), VM);
        int[] last = {-1, 0};
        for (String line : lines) {
            if (line.contains("vmflex-mem: BAD")) {
                fail("guest memory lost a write on " + d + ": " + line);
            }
            Matcher m = ROUND.matcher(line);
            if (m.find()) {
                last = new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
            }
        }
        return last;
    }

    /** Waits until the guest on {@code d} reported a round after {@code after} with no bad cell; returns it. */
    private static int awaitRoundAfter(TestDaemon d, int after) throws IOException {
        int[][] seen = {{-1, 0}};
        try {
            Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500)).until(() -> {
                seen[0] = lastRound(d);
                return seen[0][0] > after;
            });
        } catch (ConditionTimeoutException e) {
            // The guest reporter's once-a-second lines would hide what matters (an oops, a dead process).
            List<String> lines = Guest.consoleLines(d.http(), VM).stream().filter(l -> !l.startsWith("vmflex-guest: cpus=")).toList();
            fail("the guest on " + d + " reported no round after " + after + " within " + STEP.toSeconds() + " s; console"
                    + " without the reporter's lines:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
        }
        assertEquals(0, seen[0][1], "cells held an older round's value on " + d);
        return seen[0][0];
    }

    private static void migrate(TestDaemon from, TestDaemon to) throws Exception {
        MigrationProbe.migrateAndWait(from, to, VM, SLOW_MBPS);
        Guest.awaitPhase(to.http(), VM, "Running", STEP);
    }

    @Test
    void shouldCarryEveryWriteOfAGuestThatIsBootingAndRewritingMemoryAcrossMoves() throws Exception {
        for (int cycle = 1; cycle <= CYCLES; cycle++) {
            String yaml = yaml();
            assertTrue(yaml.contains("use: 2\n      max: 4") && yaml.contains("vmflex-mem"), yaml);
            TestVm.create(a, yaml);
            Guest.awaitPhase(a.http(), VM, "Running", STEP);
            // The guest reporter is up and the monitor's JVM starts: the kernel allocates and frees
            // pages by the thousand for the next seconds, which the slow moves below span.
            Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(100))
                    .until(() -> Guest.consoleLines(a.http(), VM).stream().anyMatch(l -> l.contains("vmflex-guest: ready")));
            migrate(a, b);
            int onB = awaitRoundAfter(b, 0);
            migrate(b, a);
            int back = awaitRoundAfter(a, onB);
            System.out.printf("MigrationMemoryIT: cycle %d: guest checked rounds up to %d on B and %d back on A%n", cycle, onB, back);
            UnixHttp.Response deleted = a.http().send("DELETE", "/v1/vms/" + VM, null, null);
            assertTrue(deleted.status() / 100 == 2, deleted.body());
            Awaitility.await().atMost(STEP).until(() -> a.http().get("/v1/vms/" + VM).status() == 404);
        }
    }
}
