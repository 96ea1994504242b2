package io.vmflex.vmm.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.vmm.console.ConsoleLog;
import io.vmflex.vmm.console.ConsoleReader;
import io.vmflex.vmm.console.GuestIncident;
import io.vmflex.vmm.console.IncidentReporter;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuProcess;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.QmpSession;
import io.vmflex.vmm.qemu.VmPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The supervisor's open handles on the QEMU it runs: the pidfd ({@link QemuProcess}), the QMP
 * session, the console reader and the {@link GuestLink}. Opens and closes them, and stops QEMU.
 * Closing handles never touches QEMU itself; only {@link #stopQemu} does.
 *
 * <p>Not threadsafe; used only on its supervisor's owner thread. QMP events and disconnects arrive
 * on QMP I/O threads and go straight to the callbacks given at construction, which hand them to
 * the owner.
 */
final class QemuHandles {
    // Logs under the supervisor's name: operators filter on it.
    private static final Logger LOG = LoggerFactory.getLogger(VmSupervisor.class);

    /** How long QEMU gets to exit after QMP quit (or SIGTERM) before SIGKILL. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final String vm;
    private final NodeContext node;
    private final VmPaths paths;
    private final ConsoleLog console;
    private final GuestLink guest;
    private final BiConsumer<String, JsonNode> onQmpEvent;
    private final Runnable onQmpDisconnect;
    private QemuProcess process;
    private QmpSession qmp;
    private ConsoleReader consoleReader;
    private final IncidentReporter incidents;
    private final Consumer<GuestIncident> onIncident;

    /**
     * @param onQmpEvent  QMP events, on a QMP I/O thread (must not block)
     * @param onQmpDisconnect called when the QMP session drops, on a QMP I/O thread
     * @param onIncident      an OOM kill or kernel panic on the console, on the console reader's thread
     *                        (after its event is published)
     */
    QemuHandles(String vm, NodeContext node, VmPaths paths, ConsoleLog console, GuestLink guest,
                BiConsumer<String, JsonNode> onQmpEvent, Runnable onQmpDisconnect, Consumer<GuestIncident> onIncident) {
        this.vm = vm;
        this.node = node;
        this.paths = paths;
        this.console = console;
        this.guest = guest;
        this.onQmpEvent = onQmpEvent;
        this.onQmpDisconnect = onQmpDisconnect;
        this.onIncident = onIncident;
        this.incidents = new IncidentReporter(vm, node.events(), node.clock());
    }

    /** QEMU's process, or null when none runs (or we let go of it). */
    QemuProcess process() {
        return process;
    }

    /** From now on the supervisor tracks {@code p}. */
    void track(QemuProcess p) {
        process = p;
    }

    boolean qmpConnected() {
        return qmp != null && qmp.isConnected();
    }

    /** Opens a new QMP session; false when QMP is not reachable (yet). */
    boolean connectQmp() {
        try {
            qmp = node.qmp().connect(paths.qmpSocket(), onQmpEvent, onQmpDisconnect);
        } catch (Exception e) {
            LOG.debug("vm={} QMP not reachable yet: {}", vm, e.toString());
            qmp = null;
        }
        return qmp != null;
    }

    /** Connects QMP unless it is connected; false when that failed. */
    boolean ensureQmp() {
        return qmpConnected() || connectQmp();
    }

    /** Typed commands over the current QMP session. */
    QmpOps ops(Duration timeout) {
        return new QmpOps(qmp, timeout);
    }

    /** (Re)opens the console reader and the guest link. */
    void openConsole() {
        closeConsole();
        // The reader runs until closeConsole and reads none of the supervisor's state; its incidents
        // become events at once (IncidentReporter is thread-safe), not after the owner, which a
        // migration can keep busy for minutes; the owner only hears of them for status.
        consoleReader = new ConsoleReader(paths.consoleSocket(), console, () -> true, incident -> {
            incidents.report(incident);
            onIncident.accept(incident);
        });
        consoleReader.start(vm);
        guest.open();
    }

    void closeConsole() {
        if (consoleReader != null) {
            consoleReader.close();
            consoleReader = null;
        }
        guest.close();
    }

    /** Closes our handles on QEMU (QMP, console, pidfd); QEMU itself is not touched. */
    void release() {
        if (qmp != null) {
            qmp.close();
            qmp = null;
        }
        closeConsole();
        if (process != null) {
            process.close();
            process = null;
        }
    }

    /**
     * Stops QEMU gracefully ({@link GracefulStop}): the ACPI power button, up to {@code grace} for
     * the guest to power off, then {@link #stopQemu}. Closes QMP and the pidfd either way.
     */
    GracefulStop.Outcome powerDownQemu(Duration grace) {
        if (process == null) {
            return new GracefulStop.StoppedNow("QEMU was not running", Duration.ZERO);
        }
        QemuProcess p = process;
        GracefulStop.Outcome outcome = GracefulStop.run(new GracefulStop.Target() {
            @Override
            public boolean guestRunning() {
                try {
                    return ensureQmp() && "running".equals(new QmpOps(qmp, Duration.ofSeconds(2)).status());
                } catch (QmpOps.QmpFailure e) {
                    return false;
                }
            }

            @Override
            public void pressPowerButton() throws QmpOps.QmpFailure {
                new QmpOps(qmp, Duration.ofSeconds(2)).systemPowerdown();
            }

            @Override
            public boolean awaitExit(Duration timeout) {
                return p.awaitExit((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            }

            @Override
            public void stopNow() {
                stopQemu(STOP_GRACE);
            }
        }, grace, System::nanoTime);
        // After a power-off QEMU is gone; stopQemu (a no-op on an exited QEMU but for closing) lets go of it.
        stopQemu(STOP_GRACE);
        return outcome;
    }

    /** Stops QEMU: QMP quit (SIGTERM without QMP), SIGKILL after {@code grace}; closes QMP and the pidfd. */
    void stopQemu(Duration grace) {
        if (process == null) {
            return;
        }
        // An exited QEMU (a guest that powered off) needs no stopping, only letting go of.
        if (!process.exited()) {
            askToExit();
        }
        if (!process.exited() && !process.awaitExit((int) grace.toMillis())) {
            LOG.warn("vm={} QEMU pid {} did not exit within {} s; killing it", vm, process.pid(), grace.toSeconds());
            process.kill();
            process.awaitExit(2000);
        }
        if (qmp != null) {
            qmp.close();
            qmp = null;
        }
        process.close();
        process = null;
    }

    private void askToExit() {
        if (qmpConnected()) {
            try {
                new QmpOps(qmp, Duration.ofSeconds(2)).quit();
            } catch (QmpOps.QmpFailure e) {
                LOG.debug("vm={} quit failed: {}", vm, e.getMessage());
            }
        } else {
            process.terminate();
        }
    }

    /** The last line QEMU wrote to stderr, for the exit event. */
    String lastStderr() {
        try {
            List<String> lines = Files.readAllLines(paths.qemuStderr());
            return lines.isEmpty() ? "no message" : lines.getLast();
        } catch (IOException e) {
            return "no message";
        }
    }
}
