package io.vmflex.vmm.it;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An emptyDisk keeps what the guest wrote on it across a QEMU killed under the daemon (restart
 * policy), and across a QEMU that died while the daemon was down (the daemon finds the disk and does
 * not make it anew); a tmpfs disk is a tmpfs in the guest; delete removes the disk's file.
 *
 * <p>The guest's command counts its boots in a file on the data disk and prints the count.
 */
@Tag("qemu")
class DataDiskIT {
    private static final String VM = "disks";
    private static final Duration STEP = Duration.ofSeconds(90);
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-disks", VM);
    private static TestDaemon daemon;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImages(DataDiskIT.class);
        daemon = daemons.start("node-it");
    }

    private static String console() throws Exception {
        return daemon.http().get("/v1/vms/" + VM + "/console").body();
    }

    private static void awaitConsole(String line) {
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500)).until(() -> console().contains(line));
    }

    private static int qemuPid() throws Exception {
        return daemon.http().get("/v1/vms/" + VM).json().path("status").path("pid").asInt();
    }

    @Test
    void shouldKeepTheDataDiskAcrossRestartsAndRemoveItWithTheVm() throws Exception {
        String yaml = TestVm.yaml(VM)
                .replace("spec:\n", "spec:\n  disks:\n"
                        + "    - {name: data, mountPath: /data, emptyDisk: {size: 64Mi, discard: true}}\n"
                        + "    - {name: scratch, mountPath: /scratch, tmpfs: {size: 16Mi}}\n")
                .replace("  guest:\n", "  guest:\n"
                        + "    command: [\"/bin/sh\", \"-c\"]\n"
                        + "    args: [\"echo boot >> /data/boots && sync && echo vmflex-test: boots=$(wc -l < /data/boots);"
                        + " grep -q ' /scratch tmpfs ' /proc/mounts && echo vmflex-test: scratch is a tmpfs; sleep 3600\"]\n");
        TestVm.create(daemon, yaml);
        Path disk = daemon.stateDir().resolve("vms").resolve(VM).resolve("disk-data.raw");
        Guest.awaitPhase(daemon.http(), VM, "Running", STEP);
        assertEquals(64L << 20, Files.size(disk), "the disk's file is made before QEMU starts, of the disk's size");

        awaitConsole("vmflex-guest: disk vmflex-data0 on /data");
        awaitConsole("vmflex-test: boots=1");
        assertTrue(console().contains("vmflex-guest: tmpfs on /scratch"), console());
        awaitConsole("vmflex-test: scratch is a tmpfs");

        // QEMU killed under the daemon: the restart policy brings the VM back on the same disk.
        int pid = qemuPid();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        awaitConsole("vmflex-test: boots=2");

        // QEMU killed while the daemon is down: the next daemon restarts it on the disk it finds.
        pid = qemuPid();
        daemon.kill9();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        int dead = pid;
        Awaitility.await().atMost(STEP).until(() -> !Guest.processRuns(dead));
        daemon.start();
        awaitConsole("vmflex-test: boots=3");
        assertFalse(console().contains("cannot mount"), console());

        UnixHttp.Response deleted = daemon.http().send("DELETE", "/v1/vms/" + VM, null, null);
        assertEquals(200, deleted.status(), deleted.body());
        assertFalse(Files.exists(disk), "the data disk outlived its VM");
    }
}
