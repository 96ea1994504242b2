package io.vmflex.cli.systemd;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class SystemdEnvironmentTest {

    @Test
    void shouldPingAtHalfTheTimeoutWhenTheWatchdogIsForThisProcess() {
        SystemdEnvironment env = SystemdEnvironment.read(
                Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42);
        assertEquals(Optional.of("/run/systemd/notify"), env.notifySocket());
        assertEquals(Optional.of(Duration.ofSeconds(30)), env.watchdogTimeout());
        assertEquals(Optional.of(Duration.ofSeconds(15)), env.pingPeriod());
    }

    @Test
    void shouldTakeTheWatchdogWhenNoPidIsNamed() {
        SystemdEnvironment env = SystemdEnvironment.read(Map.of("NOTIFY_SOCKET", "@notify", "WATCHDOG_USEC", "1000000"), 7);
        assertEquals(Optional.of(Duration.ofMillis(500)), env.pingPeriod());
    }

    @Test
    void shouldNotPingWhenTheWatchdogIsMeantForAnotherProcess() {
        SystemdEnvironment env = SystemdEnvironment.read(
                Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "41"), 42);
        assertEquals(Optional.of("/run/systemd/notify"), env.notifySocket());
        assertEquals(Optional.empty(), env.pingPeriod());
    }

    @Test
    void shouldIgnoreAMalformedOrNonPositiveTimeout() {
        for (String usec : new String[] {"", "abc", "0", "-5", "99999999999999999999"}) {
            SystemdEnvironment env = SystemdEnvironment.read(Map.of("NOTIFY_SOCKET", "/n", "WATCHDOG_USEC", usec), 1);
            assertEquals(Optional.empty(), env.watchdogTimeout(), usec);
        }
    }

    @Test
    void shouldSendNothingWithoutANotifySocket() {
        SystemdEnvironment env = SystemdEnvironment.read(Map.of("WATCHDOG_USEC", "1000000"), 1);
        assertEquals(SystemdEnvironment.NONE, env);
        assertEquals(SystemdEnvironment.NONE, SystemdEnvironment.read(Map.of("NOTIFY_SOCKET", " "), 1));
    }
}
