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
 * A VM with a 1 GiB emptyDisk that keeps writing it moves A→B: the guest goes on reading back, from
 * the disk, what it wrote last; then its QEMU on B is killed and the restart policy boots it again on
 * B, from B's copy of the disk, which holds every write made before the move (a counter) and a
 * 32 MiB file written at the first boot on A. Also times the same move of a VM without a data disk,
 * in the same run.
 */
@Tag("qemu")
class MigrationDataDiskIT {
    private static final String VM = "data-vm";
    private static final String PLAIN = "plain-vm";
    private static final Duration STEP = Duration.ofSeconds(120);
    private static final Pattern WROTE = Pattern.compile("vmflex-data: wrote (\\d+) (ok|BAD)");
    private static final Pattern FOUND = Pattern.compile("vmflex-data: found (\\d+) blob (ok|BAD)");
    /**
     * At boot: a 32 MiB random file and its md5 once (the first boot), then print the counter found on
     * the disk and whether the file still matches; then forever: count up, write the counter with
     * fsync, drop the page cache, read it back from the disk. One line: argv goes one per line.
     */
    private static final String SCRIPT = String.join("; ",
            "if [ ! -f /data/blob.md5 ]; then dd if=/dev/urandom of=/data/blob bs=1048576 count=32 2>/dev/null",
            "md5sum < /data/blob > /data/blob.tmp", "sync", "mv /data/blob.tmp /data/blob.md5", "sync", "fi",
            "i=$(cat /data/n 2>/dev/null || echo 0)",
            "if [ \"$(md5sum < /data/blob)\" = \"$(cat /data/blob.md5)\" ]; then b=ok; else b=BAD; fi",
            "echo \"vmflex-data: found $i blob $b\"",
            "while :; do i=$((i+1))", "echo $i > /data/n.tmp", "sync", "mv /data/n.tmp /data/n", "sync",
            "echo 3 > /proc/sys/vm/drop_caches", "now=$(cat /data/n)",
            "if [ \"$now\" = \"$i\" ]; then echo \"vmflex-data: wrote $i ok\"; else echo \"vmflex-data: wrote $i BAD\"; fi",
            "sleep 1", "done");

    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-migdata", VM, PLAIN);
    private static TestDaemon a;
    private static TestDaemon b;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(MigrationDataDiskIT.class);
        Path secret = daemons.secret("cluster.secret", 'e');
        a = daemons.startMigrationPeer("a", secret);
        b = daemons.startMigrationPeer("b", secret);
    }

    /** The last "wrote" round on {@code d}'s console (-1: none); fails on a BAD one. */
    private static int lastWrote(TestDaemon d) throws IOException {
        int last = -1;
        for (String line : Guest.consoleLines(d.http(), VM)) {
            Matcher m = WROTE.matcher(line);
            if (m.find()) {
                assertEquals("ok", m.group(2), "the guest read back something else than it wrote: " + line);
                last = Integer.parseInt(m.group(1));
            }
        }
        return last;
    }

    private static int awaitWrotePast(TestDaemon d, int round) {
        int[] seen = new int[1];
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500)).until(() -> (seen[0] = lastWrote(d)) > round);
        return seen[0];
    }

    private static long timedMove(String vm) throws IOException {
        long t0 = System.nanoTime();
        MigrationProbe.migrateAndWait(a, b, vm, 10_000);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void shouldCarryTheDataDiskToTheTargetAndBootFromItThere() throws Exception {
        String yaml = TestVm.yaml(VM)
                .replace("spec:\n", "spec:\n  disks:\n    - {name: data, mountPath: /data, emptyDisk: {size: 1Gi}}\n")
                .replace("    rootDisk:", "    command: [\"/bin/sh\", \"-c\", '" + SCRIPT + "']\n    rootDisk:");
        TestVm.create(a, yaml);
        Guest.awaitPhase(a.http(), VM, "Running", STEP);
        int onA = awaitWrotePast(a, 2);
        // enableSSH (the default): the guest keeps the public key it booted with, so its pair moves along.
        String keyOnA = a.http().get("/v1/vms/" + VM + "/ssh-key").body();
        assertTrue(keyOnA.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"), keyOnA);

        long withDisk = timedMove(VM);
        Guest.awaitPhase(b.http(), VM, "Running", STEP);
        assertEquals(keyOnA, b.http().get("/v1/vms/" + VM + "/ssh-key").body(), "the VM's SSH key on B");
        assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(
                b.stateDir().resolve("vms").resolve(VM).resolve("ssh_key")));
        int onB = awaitWrotePast(b, onA + 2);
        Path diskOnB = b.stateDir().resolve("vms").resolve(VM).resolve("disk-data.raw");
        assertEquals(1L << 30, Files.size(diskOnB));
        assertFalse(Files.exists(a.stateDir().resolve("vms").resolve(VM)), "the source kept the VM's folder");

        // Boot again on B, from B's file: what was written on A and on B is there.
        int pid = b.http().get("/v1/vms/" + VM).json().path("status").path("pid").asInt();
        int beforeKill = lastWrote(b);
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        Matcher[] found = new Matcher[1];
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (String line : Guest.consoleLines(b.http(), VM)) {
                Matcher m = FOUND.matcher(line);
                if (m.find() && Integer.parseInt(m.group(1)) > 0) {
                    found[0] = m;
                }
            }
            return found[0] != null;
        });
        assertEquals("ok", found[0].group(2), "the 32 MiB written at the first boot on A changed");
        assertTrue(Integer.parseInt(found[0].group(1)) >= beforeKill,
                "B's disk lost writes: found " + found[0].group(1) + ", the guest had written " + beforeKill);

        TestVm.create(a, TestVm.yaml(PLAIN));
        Guest.awaitPhase(a.http(), PLAIN, "Running", STEP);
        Guest.awaitReport(a.http(), PLAIN, STEP, r -> r.cpus() == 1);
        long without = timedMove(PLAIN);
        System.out.printf("MEASURED migration A->B: %d ms with a 1 GiB data disk, %d ms without (same run); writes %d on A, %d on B%n",
                withDisk, without, onA, onB);
    }
}
