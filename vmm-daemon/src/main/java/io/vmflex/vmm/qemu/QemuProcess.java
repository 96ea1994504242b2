package io.vmflex.vmm.qemu;

import io.vmflex.sys.Fd;
import io.vmflex.sys.Libc;
import io.vmflex.sys.NativeException;
import io.vmflex.sys.ProcessStat;

import java.io.IOException;

/**
 * A running QEMU tracked by pidfd, so a recycled pid can never be mistaken for it: the pidfd refers
 * to the process itself, and {@link #adopt} first checks the start time recorded at launch.
 *
 * <p>Not threadsafe; owned by one supervisor.
 */
public final class QemuProcess implements AutoCloseable {
    private final int pid;
    private final Fd pidfd;

    private QemuProcess(int pid, Fd pidfd) {
        this.pid = pid;
        this.pidfd = pidfd;
    }

    /**
     * Finds the QEMU of {@code runtime} if it still runs: same pid and same start time.
     *
     * @return null when that process is gone
     */
    public static QemuProcess adopt(QemuRuntime runtime) {
        if (!runsAs(runtime)) {
            return null;
        }
        try {
            Fd fd = Libc.pidfdOpen(runtime.pid());
            // The pid could have died and been reused between the two reads; check once more now
            // that the pidfd pins whatever process has it.
            if (!runsAs(runtime)) {
                closeQuietly(fd);
                return null;
            }
            return new QemuProcess(runtime.pid(), fd);
        } catch (IOException e) {
            return null;
        }
    }

    /** The pid is alive (not a zombie waiting to be reaped) and started when the runtime says. */
    private static boolean runsAs(QemuRuntime runtime) {
        try {
            ProcessStat stat = ProcessStat.read(runtime.pid());
            return stat.startTimeTicks() == runtime.startTime() && stat.state() != 'Z' && stat.state() != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    public int pid() {
        return pid;
    }

    /** True once the process has exited (the pidfd polls readable). Never blocks. */
    public boolean exited() {
        try {
            return Libc.poll(pidfd, Libc.POLLIN, 0) != 0;
        } catch (NativeException e) {
            return true;
        }
    }

    /** Waits up to {@code millis} for the process to exit. */
    public boolean awaitExit(int millis) {
        try {
            return Libc.poll(pidfd, Libc.POLLIN, millis) != 0;
        } catch (NativeException e) {
            return true;
        }
    }

    public void terminate() {
        signal(Libc.SIGTERM);
    }

    public void kill() {
        signal(Libc.SIGKILL);
    }

    private void signal(int sig) {
        try {
            Libc.pidfdSendSignal(pidfd, sig);
        } catch (NativeException e) {
            // ESRCH: already gone, which is what we wanted.
        }
    }

    @Override
    public void close() {
        closeQuietly(pidfd);
    }

    private static void closeQuietly(Fd fd) {
        try {
            fd.close();
        } catch (NativeException e) {
            // close(2) of a pidfd fails only for a bad fd, which Fd already guards against
        }
    }
}
