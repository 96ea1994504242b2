package io.vmflex.cli.systemd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Tells systemd how the daemon is doing, for {@code Type=notify} units with {@code WatchdogSec=}:
 *
 * <pre>
 *   Starting --(probe answers)--> Ready: READY=1 --(every WATCHDOG_USEC/2, probe answers)--> WATCHDOG=1
 *      |                              |                    (probe silent: no ping; systemd restarts
 *      +----------- close() ----------+--> Stopping: STOPPING=1    the daemon after WatchdogSec)
 * </pre>
 *
 * READY=1 goes out only once the service answers its socket, so {@code systemctl start} returns
 * when {@code vmctl} works, and units ordered {@code After=} it start against a live daemon. Each
 * watchdog ping asks the socket again: a daemon that still runs but no longer answers is restarted
 * (its VMs stay: {@code KillMode=process}, and the next daemon re-adopts them).
 *
 * <p>One platform daemon thread, started by {@link #start}, does the probing and sending;
 * {@link #close()} may be called from any thread (a shutdown hook).
 */
public final class SystemdSupervision implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SystemdSupervision.class);
    /** How often readiness is asked while starting; systemd's TimeoutStartSec bounds the wait. */
    static final Duration READY_RETRY = Duration.ofMillis(100);
    private static final Duration MAX_PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final SystemdNotifier notifier;
    private final Thread thread;

    private SystemdSupervision(SystemdNotifier notifier, Thread thread) {
        this.notifier = notifier;
        this.thread = thread;
    }

    /**
     * Starts supervision when systemd asked for notifications ({@code NOTIFY_SOCKET}); does nothing
     * otherwise.
     *
     * @param probe  asks whether the service answers (see {@link #probeTimeout})
     * @param status the {@code STATUS=} line systemctl shows once ready
     */
    public static SystemdSupervision start(SystemdEnvironment environment, ServiceProbe probe, String status) {
        SystemdNotifier notifier = SystemdNotifier.open(environment);
        if (!notifier.enabled()) {
            return new SystemdSupervision(notifier, null);
        }
        Thread thread = Thread.ofPlatform().daemon().name("systemd-notify").unstarted(
                () -> run(notifier, environment, probe, status));
        SystemdSupervision supervision = new SystemdSupervision(notifier, thread);
        thread.start();
        return supervision;
    }

    /** How long one probe may take: well inside a ping period, so a slow answer still pings in time. */
    public static Duration probeTimeout(SystemdEnvironment environment) {
        Duration quarter = environment.watchdogTimeout().map(t -> t.dividedBy(4)).orElse(MAX_PROBE_TIMEOUT);
        return quarter.compareTo(MAX_PROBE_TIMEOUT) < 0 ? quarter : MAX_PROBE_TIMEOUT;
    }

    private static void run(SystemdNotifier notifier, SystemdEnvironment environment, ServiceProbe probe, String status) {
        try {
            // Starting -- probe answers --> Ready
            while (!probe.answers()) {
                Thread.sleep(READY_RETRY);
            }
            notifier.send("READY=1\nSTATUS=" + status);
            LOG.info("told systemd READY=1 ({} answers)", probe);
            if (environment.pingPeriod().isEmpty()) {
                return;
            }
            Duration period = environment.pingPeriod().get();
            LOG.info("watchdog: a ping every {} ms while {} answers", period.toMillis(), probe);
            while (true) {
                long started = System.nanoTime();
                // Ready -- probe answers --> Ready (ping); silent --> Ready (no ping, systemd decides)
                boolean answered = probe.answers();
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                if (answered) {
                    notifier.send("WATCHDOG=1");
                } else {
                    LOG.warn("watchdog: {} did not answer, no ping this time", probe);
                }
                Duration left = period.minusNanos(System.nanoTime() - started);
                if (left.isPositive()) {
                    Thread.sleep(left);
                }
            }
        } catch (InterruptedException e) {
            // close(): Stopping
        }
    }

    /** Stops probing and pinging and tells systemd the service is stopping. */
    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(MAX_PROBE_TIMEOUT.toMillis() * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            notifier.send("STOPPING=1");
        }
        notifier.close();
    }
}
