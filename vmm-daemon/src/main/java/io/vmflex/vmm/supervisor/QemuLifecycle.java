package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.netbridge.VmNic;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuLauncher;
import io.vmflex.vmm.qemu.QemuProcess;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.scaling.Observation;
import io.vmflex.vmm.scaling.Scaler;
import io.vmflex.vmm.scaling.VmCgroup;
import io.vmflex.vmm.store.StateStore;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * Starting, re-adopting and losing the VM's QEMU: gives the VM its NIC, launches QEMU and opens
 * our handles on it, re-adopts a QEMU a previous daemon started, and turns an exit into the
 * restart decision and the time of the next start ({@link RestartPolicyDecider}). Keeps what
 * outlives one step: QEMU's runtime record ({@code runtime.json}), the NIC, whether QEMU ever ran
 * and whether the guest asked to shut down.
 *
 * <p>Methods take the supervisor's last {@link Observation} and return the next one. Not
 * threadsafe; used only on its supervisor's owner thread.
 */
final class QemuLifecycle {
    private final String vm;
    private final NodeContext node;
    private final StateStore store;
    private final VmPaths paths;
    private final VmCgroup cgroup;
    private final QemuHandles qemu;
    private final Scaler scaler;
    private QemuRuntime runtime;
    private boolean everLaunched;
    private boolean guestShutdown;
    private Instant nextLaunchAt = Instant.EPOCH;
    private VmNic nic;

    /** @param runtime the runtime record of a QEMU a previous daemon started, or null */
    QemuLifecycle(String vm, NodeContext node, StateStore store, VmPaths paths, VmCgroup cgroup, QemuHandles qemu,
                  Scaler scaler, QemuRuntime runtime) {
        this.vm = vm;
        this.node = node;
        this.store = store;
        this.paths = paths;
        this.cgroup = cgroup;
        this.qemu = qemu;
        this.scaler = scaler;
        this.runtime = runtime;
        this.everLaunched = runtime != null;
    }

    /** The running QEMU's runtime record, or null. */
    QemuRuntime runtime() {
        return runtime;
    }

    /** The runtime record changed while QEMU runs (vCPU plugs counted); already persisted. */
    void runtimeChanged(QemuRuntime updated) {
        runtime = updated;
    }

    /** The VM's NIC, or null when it has none. */
    VmNic nic() {
        return nic;
    }

    /** QEMU's SHUTDOWN event: whether the guest asked for it. */
    void onShutdownEvent(boolean byGuest) {
        guestShutdown = byGuest;
    }

    /** Whether QEMU, which does not run, should run per restart policy after {@code last}. */
    boolean shouldRun(SpecView spec, Observation last) {
        return RestartPolicyDecider.shouldRun(everLaunched, spec.restartPolicy(), last.phase());
    }

    /** The earliest time the next start may happen (backoff after a failure). */
    Instant nextLaunchAt() {
        return nextLaunchAt;
    }

    Observation launch(VirtualMachine spec, SpecView view, Observation last) {
        QemuVmConfig config;
        try {
            attachNetwork();
            config = QemuConfigs.of(node, paths, spec, view, nic);
        } catch (ImageStore.ImageNotFoundException | IllegalArgumentException e) {
            return failLaunch(last, "FailedToStart", e.getMessage());
        } catch (IOException | RuntimeException e) {
            return failLaunch(last, "NetworkUnavailable", "cannot give the VM its NIC: " + e.getMessage());
        }
        Observation observed = last;
        try {
            QemuRuntime rt = node.launcher().launch(config);
            QemuProcess p = QemuProcess.adopt(rt);
            if (p == null) {
                return failLaunch(observed, "FailedToStart", "QEMU pid " + rt.pid() + " exited right after starting: see " + paths.qemuStderr());
            }
            if (everLaunched) {
                observed = new Observation(observed.phase(), 0, 0, 0, 0, observed.accel(), observed.restartCount() + 1,
                        observed.reason(), observed.message());
            }
            everLaunched = true;
            runtime = rt;
            qemu.track(p);
            guestShutdown = false;
            scaler.onQemuStarted();
            store.saveRuntime(vm, rt);
            cgroup.join(p.pid());
            qemu.openConsole();
            node.events().publish(VmEvent.normal(vm, "Started", "QEMU pid " + rt.pid() + " started (accel " + rt.accel()
                    + ", " + view.bootCpus() + " boot vCPUs, " + (view.baseMemoryBytes() >> 20) + " MiB boot memory)"));
            return new Observation(VmPhase.Running, view.bootCpus(), view.bootCpus() * 1000L, view.baseMemoryBytes(),
                    rt.pid(), rt.accel(), observed.restartCount(), "Started", "QEMU running");
        } catch (QemuLauncher.LaunchException | IOException e) {
            return failLaunch(observed, "FailedToStart", e.getMessage());
        }
    }

    private Observation failLaunch(Observation last, String reason, String message) {
        everLaunched = true;
        Observation observed = last.withPhase(VmPhase.Failed, reason, message);
        node.events().publish(VmEvent.warning(vm, reason, message));
        nextLaunchAt = node.clock().instant().plus(RestartPolicyDecider.backoff(observed.restartCount()));
        return observed;
    }

    /** At daemon start: re-adopts the QEMU of the runtime record if it still runs, else counts it as exited. */
    Observation adoptOrMarkExited(Observation last) {
        if (runtime == null) {
            return last;
        }
        QemuProcess p = QemuProcess.adopt(runtime);
        if (p == null) {
            node.events().publish(VmEvent.warning(vm, "ExitedWhileDaemonDown",
                    "QEMU pid " + runtime.pid() + " is gone; it exited while the daemon was not running"));
            return onExited(true, last);
        }
        qemu.track(p);
        try {
            attachNetwork();
        } catch (IOException | RuntimeException e) {
            node.events().publish(VmEvent.warning(vm, "NetworkUnavailable", "re-attaching the VM's tap failed: " + e.getMessage()));
        }
        qemu.openConsole();
        cgroup.join(p.pid());
        node.events().publish(VmEvent.normal(vm, "Adopted", "re-adopted running QEMU pid " + p.pid()));
        return new Observation(VmPhase.Running, 0, 0, 0, p.pid(), runtime.accel(), last.restartCount(),
                "Adopted", "QEMU re-adopted");
    }

    /**
     * QEMU is gone: closes our handles, forgets its runtime record and sets the next start.
     *
     * @param whileAway it exited while no daemon watched (we cannot know why)
     */
    Observation onExited(boolean whileAway, Observation last) {
        VmPhase outcome = RestartPolicyDecider.exitPhase(guestShutdown, whileAway);
        if (!whileAway) {
            node.events().publish(outcome == VmPhase.Succeeded
                    ? VmEvent.normal(vm, "Exited", "guest shut down; QEMU exited")
                    : VmEvent.warning(vm, "Exited", "QEMU exited unexpectedly: " + qemu.lastStderr()));
        }
        qemu.release();
        runtime = null;
        store.deleteRuntime(vm);
        Observation observed = new Observation(outcome, 0, 0, 0, 0, last.accel(), last.restartCount(),
                outcome == VmPhase.Succeeded ? "Completed" : "QemuExited",
                outcome == VmPhase.Succeeded ? "guest shut down" : "QEMU exited");
        nextLaunchAt = node.clock().instant().plus(RestartPolicyDecider.relaunchDelay(outcome, observed.restartCount()));
        return observed;
    }

    /** Stops QEMU for good without asking the guest (the VM moved away: the guest runs on the target now). */
    void stopQemu(Duration grace) {
        qemu.stopQemu(grace);
        runtime = null;
    }

    /**
     * Stops QEMU for good the graceful way (the VM is deleted): the ACPI power button, up to
     * {@code grace} for the guest to power off, then QEMU is stopped. Says how it went in an event.
     */
    void powerDownQemu(Duration grace) {
        GracefulStop.Outcome outcome = qemu.powerDownQemu(grace);
        runtime = null;
        String took = String.format(java.util.Locale.ROOT, "%.1f s", outcome.took().toMillis() / 1000.0);
        node.events().publish(switch (outcome) {
            case GracefulStop.PoweredOff p -> VmEvent.normal(vm, "PoweredOff",
                    "the guest shut down on the ACPI power button and QEMU exited after " + took);
            case GracefulStop.StoppedNow s -> VmEvent.warning(vm, "StoppedWithoutShutdown",
                    "QEMU stopped without the guest's shutdown after " + took + ": " + s.why());
        });
    }

    /** Tap on the node bridge and an address from the pool; idempotent (same tap, same address). */
    private void attachNetwork() throws IOException {
        if (node.network() != null) {
            nic = node.network().attach(vm);
        }
    }

    void detachNetwork() {
        if (node.network() != null) {
            try {
                node.network().detach(vm);
            } catch (IOException | RuntimeException e) {
                node.events().publish(VmEvent.warning(vm, "NetworkCleanupFailed", e.getMessage()));
            }
            nic = null;
        }
    }
}
