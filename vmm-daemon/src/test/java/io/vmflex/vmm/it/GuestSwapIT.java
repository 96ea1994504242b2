package io.vmflex.vmm.it;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

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
 * spec.guest.settings.swap seen from inside the test image's guest: /proc/swaps lists the swap disk at
 * the size asked (less mkswap's one-page header), the disk is a sparse file in the VM's folder, gone
 * with the VM. And a VM whose memory is partly swapped out moves A→B: the swap disk is mirrored with
 * the other writable disks, so a tmpfs file larger than the guest's RAM still reads back intact on B.
 */
@Tag("qemu")
class GuestSwapIT {
    private static final Duration STEP = Duration.ofSeconds(120);
    private static final Pattern SWAPS = Pattern.compile("vmflex-test: swaps (\\S+) (\\d+)");
    private static final Pattern FILLED = Pattern.compile("vmflex-swap: filled swapped_kb=(\\d+)");
    private static final Pattern CHECK = Pattern.compile("vmflex-swap: check (ok|BAD) swapped_kb=(\\d+)");
    /**
     * Fills a 160 MiB tmpfs file (the guest has about 150 MiB of RAM: the rest must go to swap), keeps
     * its md5, then forever reads the file back and compares. One line: argv goes one per line.
     */
    private static final String FILL_AND_CHECK = String.join("; ",
            "swapped() { set -- $(grep -E \"^Swap(Total|Free):\" /proc/meminfo); echo $(($2 - $5)); }",
            "mkdir -p /t", "mount -t tmpfs -o size=200m tmpfs /t",
            "dd if=/dev/urandom of=/t/blob bs=1048576 count=160 2>/dev/null",
            "md5sum < /t/blob > /run/blob.md5",
            "echo \"vmflex-swap: filled swapped_kb=$(swapped)\"",
            "while :; do if [ \"$(md5sum < /t/blob)\" = \"$(cat /run/blob.md5)\" ]; then r=ok; else r=BAD; fi",
            "echo \"vmflex-swap: check $r swapped_kb=$(swapped)\"", "sleep 1", "done");

    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-swap", "swap", "swap-move");
    private static TestDaemon a;
    private static TestDaemon b;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(GuestSwapIT.class);
        Path secret = daemons.secret("cluster.secret", 's');
        a = daemons.startMigrationPeer("a", secret);
        b = daemons.startMigrationPeer("b", secret);
    }

    private static String vm(String name, String swap, String script) throws IOException {
        return TestVm.yaml(name).replace("  guest:\n", "  guest:\n"
                + "    settings:\n      swap: " + swap + "\n"
                + "    command: [\"/bin/sh\", \"-c\", '" + script + "']\n");
    }

    private static Matcher awaitLine(TestDaemon d, String vm, Pattern p, java.util.function.Predicate<Matcher> ok) {
        Matcher[] found = new Matcher[1];
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (String line : Guest.consoleLines(d.http(), vm)) {
                Matcher m = p.matcher(line);
                if (m.find() && ok.test(m)) {
                    found[0] = m;
                }
            }
            return found[0] != null;
        });
        return found[0];
    }

    private static long allocatedBytes(Path file) throws IOException {
        Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).redirectErrorStream(true).start();
        return Long.parseLong(new String(p.getInputStream().readAllBytes()).strip()) * 512;
    }

    @Test
    void shouldGiveTheGuestSwapOfTheSizeAskedAndRemoveItWithTheVm() throws Exception {
        TestVm.create(a, vm("swap", "64Mi",
                "tail -n +2 /proc/swaps | while read -r f t s u p; do echo \"vmflex-test: swaps $f $s\"; done; sleep 3600"));
        Matcher swaps = awaitLine(a, "swap", SWAPS, m -> true);
        // /proc/swaps counts KiB; mkswap keeps the first page for its header.
        assertEquals(64 * 1024 - 4, Long.parseLong(swaps.group(2)), swaps.group());
        assertTrue(Guest.consoleLines(a.http(), "swap").stream().anyMatch(l -> l.contains("vmflex-guest: swap vmflex-swap on /dev/vd")));
        Path file = a.stateDir().resolve("vms").resolve("swap").resolve("swap.raw");
        assertEquals(64L << 20, Files.size(file));
        assertTrue(allocatedBytes(file) < 8L << 20, "the swap disk is not sparse: " + allocatedBytes(file) + " bytes");

        UnixHttp.Response r = a.http().send("DELETE", "/v1/vms/swap", null, null);
        assertEquals(200, r.status(), r.body());
        assertFalse(Files.exists(file), "the swap disk outlived its VM");
    }

    @Test
    void shouldCarrySwappedOutMemoryToTheTarget() throws Exception {
        TestVm.create(a, vm("swap-move", "256Mi", FILL_AND_CHECK));
        Matcher filled = awaitLine(a, "swap-move", FILLED, m -> true);
        long swapped = Long.parseLong(filled.group(1));
        assertTrue(swapped > 16 * 1024, "the guest hardly swapped (" + swapped + " KiB): the test proves nothing");
        awaitLine(a, "swap-move", CHECK, m -> true);

        long t0 = System.nanoTime();
        MigrationProbe.migrateAndWait(a, b, "swap-move", 10_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Guest.awaitPhase(b.http(), "swap-move", "Running", STEP);
        assertEquals(256L << 20, Files.size(b.stateDir().resolve("vms").resolve("swap-move").resolve("swap.raw")));

        Matcher check = awaitLine(b, "swap-move", CHECK, m -> true);
        assertEquals("ok", check.group(1), "the guest read back another file on B: " + check.group());
        for (String line : Guest.consoleLines(b.http(), "swap-move")) {
            assertFalse(line.contains("vmflex-swap: check BAD"), line);
        }
        System.out.printf("MEASURED migration A->B of a VM with %d KiB swapped out (256 MiB swap disk): %d ms%n", swapped, ms);
    }
}
