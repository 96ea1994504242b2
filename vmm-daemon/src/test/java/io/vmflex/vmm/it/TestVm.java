package io.vmflex.vmm.it;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The VM of {@code examples/test-vm.yaml} (1-4 vCPUs, 2-8 slots of 128 MiB on the test image), as
 * the integration tests create it, by that name or renamed. Stateless.
 */
final class TestVm {
    static final String NAME = "test-vm";

    private TestVm() {
    }

    /** The example's YAML as it is. */
    static String yaml() throws IOException {
        return Files.readString(Guest.example("test-vm.yaml"));
    }

    /** The example's YAML with {@code metadata.name} set to {@code name}. */
    static String yaml(String name) throws IOException {
        return yaml().replace("name: " + NAME, "name: " + name);
    }

    /**
     * The example VM named {@code name} running {@code script} (one line of shell) as its command, for
     * tests that write the guest's monitor disk (/dev/vda) themselves: SSH off, because sshd runs from
     * that disk and would keep it mounted (the script's umount would fail and the file system would
     * share the bytes the test writes and reads back). The script must print {@link #DISK_STILL_MOUNTED}
     * when its umount fails.
     */
    static String diskWriter(String name, String script) throws IOException {
        return yaml(name).replace("spec:\n", "spec:\n  enableSSH: false\n")
                .replace("    rootDisk:", "    command: [\"/bin/sh\", \"-c\", '" + script + "']\n    rootDisk:");
    }

    /** The guest's line when the monitor disk could not be unmounted. */
    static final String DISK_STILL_MOUNTED = "vmflex-disk: the monitor disk is still mounted";

    /**
     * Shell that stops the monitor and unmounts its disk, or says {@link #DISK_STILL_MOUNTED} (with the
     * programs still running from it) and exits. The launcher ({@code start}) restarts the monitor's JVM
     * a second after it exits, so it goes first; and it retries until the disk is free: the command
     * starts beside the launcher, which may not run yet at the first kill, and a JVM takes a while to
     * exit under TCG.
     */
    static final String RELEASE_MONITOR_DISK = "n=0; while grep -q \" /opt/vmflex-monitor \" /proc/mounts; do"
            + " killall start java sshd 2>/dev/null; sleep 1; umount /opt/vmflex-monitor 2>/dev/null && break;"
            + " n=$((n+1)); if [ $n -ge 30 ]; then echo \"" + DISK_STILL_MOUNTED + ":\" $(ls -l /proc/[0-9]*/exe 2>/dev/null"
            + " | grep -o \"/opt/vmflex-monitor[^ ]*\"); exit 1; fi; done";

    /** Creates the example VM on {@code daemon}; asserts the daemon took it (201). */
    static void create(TestDaemon daemon) throws IOException {
        create(daemon, yaml());
    }

    /** Creates the VM {@code yaml} describes on {@code daemon}; asserts the daemon took it (201). */
    static void create(TestDaemon daemon, String yaml) throws IOException {
        UnixHttp.Response created = daemon.http().send("POST", "/v1/vms", "application/yaml", yaml);
        assertEquals(201, created.status(), created.body());
    }
}
