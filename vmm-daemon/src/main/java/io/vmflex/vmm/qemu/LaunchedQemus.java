package io.vmflex.vmm.qemu;

import io.vmflex.sys.Fd;
import io.vmflex.sys.Libc;
import io.vmflex.sys.NativeException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and kills the QEMU processes a failed launch left in one VM's folder. With
 * {@code -daemonize} the process the launcher started forks the real QEMU into a session of its own
 * and exits only once QEMU is set up; killing that first process on a timeout leaves the real QEMU
 * running, untracked, holding the disk's lock. A QEMU is recognised by the {@code -pidfile} argument
 * naming this VM's {@code qemu.pid} in its command line, which works before QEMU wrote the pidfile
 * and in every process of its forks. When a launch fails the VM has no tracked QEMU, so every such
 * process is a leftover.
 *
 * <p>Each process is signalled through a pidfd opened before its command line is checked again, so a
 * pid reused meanwhile is never signalled. Stateless; thread-safe.
 */
final class LaunchedQemus {
    private static final Path PROC = Path.of("/proc");
    /** Rounds of find-and-kill: a process killed between its fork and its child's start left that child. */
    private static final int ROUNDS = 5;

    private LaunchedQemus() {
    }

    /**
     * The pids whose command line has {@code -pidfile <pidFile>}; zombies have none and are not listed.
     *
     * @throws UncheckedIOException when {@code /proc} cannot be listed
     */
    static List<Integer> find(Path pidFile) {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
            for (Path dir : dirs) {
                int pid = Integer.parseInt(dir.getFileName().toString());
                if (namesPidFile(pid, pidFile)) {
                    pids.add(pid);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + PROC + ": " + e.getMessage(), e);
        }
        return pids;
    }

    /**
     * SIGKILLs every process {@link #find} lists and waits for each to exit (its locks and sockets are
     * gone then), until none is left or {@code wait} has passed.
     *
     * @return the pids still running when it gave up (empty when all are gone)
     */
    static List<Integer> killAll(Path pidFile, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        List<Integer> left = find(pidFile);
        for (int round = 0; round < ROUNDS && !left.isEmpty(); round++) {
            for (int pid : left) {
                kill(pid, pidFile, deadline);
            }
            left = find(pidFile);
        }
        return left;
    }

    private static void kill(int pid, Path pidFile, long deadline) {
        Fd pidfd;
        try {
            pidfd = Libc.pidfdOpen(pid);
        } catch (NativeException e) {
            return; // ESRCH: gone already
        }
        try {
            // The pidfd pins whatever process has the pid now; only that one is signalled.
            if (!namesPidFile(pid, pidFile)) {
                return;
            }
            Libc.pidfdSendSignal(pidfd, Libc.SIGKILL);
            int millis = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000));
            Libc.poll(pidfd, Libc.POLLIN, millis);
        } catch (NativeException e) {
            // ESRCH from the signal: it exited meanwhile, which is what we wanted
        } finally {
            try {
                pidfd.close();
            } catch (NativeException ignored) {
                // close of a pidfd fails only for a bad fd, which Fd guards against
            }
        }
    }

    private static boolean namesPidFile(int pid, Path pidFile) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(PROC.resolve(Integer.toString(pid)).resolve("cmdline"));
        } catch (IOException e) {
            return false; // gone, or not ours to read
        }
        String[] argv = new String(raw, StandardCharsets.UTF_8).split("\0");
        String wanted = pidFile.toString();
        for (int i = 0; i + 1 < argv.length; i++) {
            if (argv[i].equals("-pidfile") && argv[i + 1].equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
