package io.vmflex.cli.systemd;

import io.vmflex.sys.UnixDatagramSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The notify protocol against a datagram socket bound by the test (systemd's side), with a probe
 * the test controls standing in for the admin socket.
 */
class SystemdSupervisionTest {

    private static final int WAIT_MS = 10_000;

    @TempDir
    Path dir;

    @Test
    void shouldSendReadyOnlyAfterTheServiceAnswers() throws Exception {
        String address = dir.resolve("notify").toString();
        AtomicInteger asked = new AtomicInteger();
        AtomicBoolean answering = new AtomicBoolean();
        ServiceProbe probe = () -> {
            asked.incrementAndGet();
            return answering.get();
        };
        try (UnixDatagramSocket systemd = UnixDatagramSocket.bind(address);
             SystemdSupervision supervision = SystemdSupervision.start(env(address, null), probe, "serving")) {
            while (asked.get() < 5) {
                assertEquals(Optional.empty(), systemd.receive(4096, 50), "nothing before the service answers");
            }
            assertEquals(Optional.empty(), systemd.receive(4096, 300), "still nothing while it does not answer");
            answering.set(true);
            assertEquals("READY=1\nSTATUS=serving", next(systemd));
            assertEquals(Optional.empty(), systemd.receive(4096, 300), "no watchdog asked for: no pings");
        }
    }

    @Test
    void shouldPingWhileTheServiceAnswersAndStopWhenItDoesNot() throws Exception {
        String address = "@vmflex-notify-test-" + System.nanoTime();
        AtomicBoolean answering = new AtomicBoolean(true);
        try (UnixDatagramSocket systemd = UnixDatagramSocket.bind(address)) {
            SystemdSupervision supervision = SystemdSupervision.start(env(address, "200000"), answering::get, "up");
            assertEquals("READY=1\nSTATUS=up", next(systemd));
            for (int i = 0; i < 3; i++) {
                assertEquals("WATCHDOG=1", next(systemd));
            }
            answering.set(false);
            drainPingsInFlight(systemd);
            assertEquals(Optional.empty(), systemd.receive(4096, 500), "a silent service gets no pings");
            answering.set(true);
            assertEquals("WATCHDOG=1", next(systemd));

            supervision.close();
            String last;
            do {
                last = next(systemd);
            } while (last.equals("WATCHDOG=1"));
            assertEquals("STOPPING=1", last);
            assertEquals(Optional.empty(), systemd.receive(4096, 300), "nothing after STOPPING=1");
        }
    }

    @Test
    void shouldDoNothingWithoutANotifySocket() {
        AtomicInteger asked = new AtomicInteger();
        try (SystemdSupervision supervision = SystemdSupervision.start(SystemdEnvironment.NONE, () -> {
            asked.incrementAndGet();
            return true;
        }, "x")) {
            assertNotNull(supervision);
        }
        assertEquals(0, asked.get(), "no probing when nobody listens");
    }

    @Test
    void shouldKeepProbesWellInsideThePingPeriod() {
        assertEquals(Duration.ofMillis(250), SystemdSupervision.probeTimeout(env("/n", "1000000")));
        assertEquals(Duration.ofSeconds(5), SystemdSupervision.probeTimeout(env("/n", "60000000")));
        assertEquals(Duration.ofSeconds(5), SystemdSupervision.probeTimeout(env("/n", null)));
    }

    private static SystemdEnvironment env(String socket, String watchdogUsec) {
        java.util.Map<String, String> vars = new java.util.HashMap<>();
        vars.put("NOTIFY_SOCKET", socket);
        if (watchdogUsec != null) {
            vars.put("WATCHDOG_USEC", watchdogUsec);
        }
        return SystemdEnvironment.read(vars, ProcessHandle.current().pid());
    }

    /** A ping whose probe answered just before the service fell silent may still be on its way. */
    private static void drainPingsInFlight(UnixDatagramSocket systemd) throws Exception {
        for (int i = 0; i < 2 && systemd.receive(4096, 150).isPresent(); i++) {
            // discard; a third would mean pings go on, which the caller's next receive catches
        }
    }

    private static String next(UnixDatagramSocket systemd) throws Exception {
        return new String(systemd.receive(4096, WAIT_MS).orElseThrow(() -> new AssertionError("no datagram within " + WAIT_MS + " ms")),
                StandardCharsets.UTF_8);
    }
}
