package io.vmflex.sys;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class LibcProcessTest {

    @Test
    void shouldPollReadableWhenKilledThroughPidfd() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try (Fd pidfd = Libc.pidfdOpen((int) sleep.pid())) {
            assertEquals(0, Libc.poll(pidfd, Libc.POLLIN, 0), "a live process's pidfd is not readable");
            Libc.pidfdSendSignal(pidfd, Libc.SIGKILL);
            long start = System.nanoTime();
            int revents = Libc.poll(pidfd, Libc.POLLIN, 5000);
            assertEquals(Libc.POLLIN, revents & Libc.POLLIN);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
            assertTrue(sleep.waitFor(5, TimeUnit.SECONDS));
            assertEquals(128 + Libc.SIGKILL, sleep.exitValue());
            NativeException again = assertThrows(NativeException.class,
                    () -> Libc.pidfdSendSignal(pidfd, Libc.SIGKILL));
            assertEquals(Errno.ESRCH, again.errno());
        } finally {
            sleep.destroyForcibly();
        }
    }

    @Test
    void shouldThrowEsrchWhenPidIsDead() throws Exception {
        Process done = new ProcessBuilder("true").start();
        assertTrue(done.waitFor(5, TimeUnit.SECONDS));
        int pid = (int) done.pid();
        NativeException e = assertThrows(NativeException.class, () -> Libc.pidfdOpen(pid));
        assertEquals(Errno.ESRCH, e.errno());
        assertEquals("pidfd_open(" + pid + ")", e.call());
        assertFalse(Libc.isAlive(pid));
    }

    @Test
    void shouldSeeOwnProcessAliveWhenKillZero() throws Exception {
        assertTrue(Libc.isAlive(Libc.getpid()));
    }
}
