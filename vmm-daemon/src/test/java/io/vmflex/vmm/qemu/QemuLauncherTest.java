package io.vmflex.vmm.qemu;

import io.vmflex.sys.ProcessStat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuLauncherTest {
    /**
     * Stands in for a QEMU with {@code -daemonize} that never finishes starting: the launched process
     * forks a child into a session of its own, as QEMU does, and both hang. The child writes its pid to
     * {@code child.pid} (not to QEMU's pidfile: a QEMU may hang before it writes that).
     */
    private static final String HANGING_QEMU = """
            #!/bin/bash
            for ((i = 1; i < $#; i++)); do
              if [ "${!i}" = -pidfile ]; then j=$((i + 1)); pidfile=${!j}; fi
            done
            dir=$(dirname "$pidfile")
            if [ "$FAKE_QEMU_CHILD" = 1 ]; then
              echo $$ > "$dir/child.pid.tmp" && mv "$dir/child.pid.tmp" "$dir/child.pid"
            else
              mkfifo "$dir/hang.fifo"
              FAKE_QEMU_CHILD=1 setsid "$0" "$@" </dev/null >/dev/null 2>&1 &
            fi
            # Open for reading and writing, so this neither blocks nor ever sees data: hangs without a child process.
            exec 3<>"$dir/hang.fifo"
            read -r <&3
            """;

    @TempDir
    Path dir;

    private Path vmDir() {
        return dir.resolve("vms").resolve("db");
    }

    private QemuVmConfig config(Path binary) {
        return new QemuVmConfig("db", binary, QemuVmConfig.Accel.tcg, 1, 4, 256L << 20, 0, 2L << 20,
                Path.of("/img/vmlinuz"), null, null, "console=ttyS0", List.of(), new VmPaths(vmDir()));
    }

    private Path script(String text) throws IOException {
        Path s = dir.resolve("fake-qemu");
        Files.writeString(s, text);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
        return s;
    }

    private Optional<Integer> childPid() throws IOException {
        Path f = vmDir().resolve("child.pid");
        return Files.exists(f) ? Optional.of(Integer.parseInt(Files.readString(f).trim())) : Optional.empty();
    }

    /** Running: exists and not a zombie waiting for whoever adopted it to reap it. */
    private static boolean runs(int pid) {
        try {
            char state = ProcessStat.read(pid).state();
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @AfterEach
    void killWhatTheTestLeft() throws IOException {
        // Only if the launcher failed to: a test that fails must not leave a process hanging.
        childPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void shouldLeaveNoQemuBehindWhenTheLaunchTimesOut() throws Exception {
        QemuLauncher launcher = new QemuLauncher(Duration.ofMillis(1500));
        Path binary = script(HANGING_QEMU);

        var failure = assertThrows(QemuLauncher.LaunchException.class, () -> launcher.launch(config(binary)));

        assertTrue(failure.getMessage().contains("did not finish starting"), failure.getMessage());
        // The child wrote its pid long before the 1.5 s timeout; it must be gone, not only the parent.
        int child = childPid().orElseThrow(() -> new AssertionError("the fake QEMU's child never started"));
        assertFalse(runs(child), "the daemonized child (pid " + child + ") still runs after the failed launch");
        assertEquals(List.of(), LaunchedQemus.find(new VmPaths(vmDir()).pidFile()));
    }

    @Test
    void shouldFindOnlyProcessesOfThisVmsFolder() throws Exception {
        Path binary = script(HANGING_QEMU);
        Path otherVm = dir.resolve("vms").resolve("other");
        Files.createDirectories(otherVm);
        Files.createDirectories(vmDir());
        Process other = new ProcessBuilder(binary.toString(), "-pidfile", otherVm.resolve("qemu.pid").toString()).start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> LaunchedQemus.find(otherVm.resolve("qemu.pid")).size() == 2);

            assertEquals(List.of(), LaunchedQemus.killAll(vmDir().resolve("qemu.pid"), Duration.ofSeconds(2)));

            assertEquals(2, LaunchedQemus.find(otherVm.resolve("qemu.pid")).size(), "another VM's QEMU was killed");
        } finally {
            assertEquals(List.of(), LaunchedQemus.killAll(otherVm.resolve("qemu.pid"), Duration.ofSeconds(5)));
            other.destroyForcibly();
        }
    }
}
