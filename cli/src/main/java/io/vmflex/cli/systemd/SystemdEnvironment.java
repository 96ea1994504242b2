package io.vmflex.cli.systemd;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What systemd told this process through its environment: where to send notifications
 * ({@code NOTIFY_SOCKET}, set for {@code Type=notify} units) and the watchdog timeout
 * ({@code WATCHDOG_USEC}, set for units with {@code WatchdogSec=}, meant for the process named by
 * {@code WATCHDOG_PID} when that is set).
 *
 * <p>Immutable; thread-safe.
 *
 * @param notifySocket    the address to send to: a path, or {@code @name} (abstract namespace)
 * @param watchdogTimeout how long systemd waits for a ping before it counts the service as hung
 */
public record SystemdEnvironment(Optional<String> notifySocket, Optional<Duration> watchdogTimeout) {

    /** No systemd supervision: nothing is sent. */
    public static final SystemdEnvironment NONE = new SystemdEnvironment(Optional.empty(), Optional.empty());

    /**
     * Reads the variables. A watchdog whose {@code WATCHDOG_PID} names another process, or whose
     * {@code WATCHDOG_USEC} is not a positive number, is not ours: no pings then (systemd itself
     * ignores a malformed value).
     */
    public static SystemdEnvironment read(Map<String, String> env, long pid) {
        Optional<String> socket = Optional.ofNullable(env.get("NOTIFY_SOCKET")).filter(s -> !s.isBlank());
        Optional<Duration> watchdog = Optional.empty();
        String usec = env.get("WATCHDOG_USEC");
        String watchdogPid = env.get("WATCHDOG_PID");
        boolean forUs = watchdogPid == null || watchdogPid.strip().equals(Long.toString(pid));
        if (usec != null && forUs && socket.isPresent()) {
            try {
                long micros = Long.parseLong(usec.strip());
                if (micros > 0) {
                    watchdog = Optional.of(Duration.ofNanos(Math.multiplyExact(micros, 1000L)));
                }
            } catch (NumberFormatException | ArithmeticException e) {
                // not a usable timeout: no watchdog
            }
        }
        return new SystemdEnvironment(socket, watchdog);
    }

    /** Pings go out at half the timeout, as sd_watchdog_enabled(3) advises. */
    public Optional<Duration> pingPeriod() {
        return watchdogTimeout.map(t -> t.dividedBy(2));
    }
}
