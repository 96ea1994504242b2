package io.vmflex.vmm.qemu;

import io.vmflex.sys.ProcessStat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts QEMU with {@code -daemonize}: the launched process forks the real QEMU into its own session
 * and exits once the VM is set up, so the VM does not die with the daemon. The exit code of that
 * first process tells whether QEMU could start; its stderr explains why not. A launch that fails
 * leaves no QEMU behind ({@link LaunchedQemus}): the VM can be started again.
 *
 * <p>Stateless; thread-safe.
 */
public final class QemuLauncher {
    /** How long a killed leftover of a failed launch gets to exit (SIGKILL; it cannot refuse). */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private final Duration startTimeout;

    public QemuLauncher(Duration startTimeout) {
        this.startTimeout = startTimeout;
    }

    public QemuRuntime launch(QemuVmConfig config) throws LaunchException {
        return launch(config, null);
    }

    /**
     * @param incoming non-null to start a paused migration target (see {@link QemuCommandLine#build(QemuVmConfig, QemuCommandLine.Incoming)})
     * @throws LaunchException when QEMU did not start; then no process of this launch runs any more
     */
    public QemuRuntime launch(QemuVmConfig config, QemuCommandLine.Incoming incoming) throws LaunchException {
        VmPaths paths = config.paths().check();
        List<String> argv = QemuCommandLine.build(config, incoming);
        Process p;
        try {
            Files.createDirectories(paths.dir());
            for (Path stale : List.of(paths.qmpSocket(), paths.consoleSocket(), paths.guestChannelSocket(), paths.pidFile())) {
                Files.deleteIfExists(stale);
            }
            p = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(paths.qemuStderr().toFile())
                    .start();
        } catch (IOException e) {
            throw new LaunchException("cannot start QEMU: " + e.getMessage());
        }
        try {
            return awaitStarted(p, config, paths);
        } catch (LaunchException e) {
            // The daemonized QEMU may run on (a timeout, an unreadable pidfile, the daemon stopping):
            // untracked, it would hold the VM's disk lock and sockets and fail every retry.
            p.destroyForcibly();
            String left = killLeftovers(paths);
            throw left == null ? e : new LaunchException(e.getMessage() + "; " + left);
        }
    }

    /**
     * Kills what the launch started; says what may still run, or null when nothing does. Also when
     * the daemon is stopping: reading /proc on an interrupted thread would fail.
     */
    private static String killLeftovers(VmPaths paths) {
        boolean interrupted = Thread.interrupted();
        try {
            List<Integer> left = LaunchedQemus.killAll(paths.pidFile(), KILL_WAIT);
            return left.isEmpty() ? null : "QEMU pid(s) " + left + " of this launch did not exit after SIGKILL";
        } catch (UncheckedIOException e) {
            return "QEMU of this launch may still run: " + e.getMessage();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private QemuRuntime awaitStarted(Process p, QemuVmConfig config, VmPaths paths) throws LaunchException {
        try {
            if (!p.waitFor(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new LaunchException("QEMU did not finish starting within " + startTimeout.toSeconds() + " s; killed it");
            }
            if (p.exitValue() != 0) {
                throw new LaunchException("QEMU exited with status " + p.exitValue() + ": " + lastLines(paths.qemuStderr()));
            }
            int pid = Integer.parseInt(Files.readString(paths.pidFile()).trim());
            long start = ProcessStat.startTime(pid);
            return new QemuRuntime(pid, start, config.accel().name(), Instant.now(), config.bootCpus(),
                    config.possibleCpus(), config.baseMemoryBytes(), config.hotplugMemoryBytes(), config.cpuPlugBudget(), 0, 0);
        } catch (IOException | NumberFormatException e) {
            throw new LaunchException("cannot start QEMU: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("interrupted while starting QEMU");
        }
    }

    private static String lastLines(Path stderr) {
        try {
            List<String> lines = Files.readAllLines(stderr).stream().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "(no output)" : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(stderr unreadable: " + e.getMessage() + ")";
        }
    }

    public static final class LaunchException extends Exception {
        public LaunchException(String message) {
            super(message);
        }
    }
}
