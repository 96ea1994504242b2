package io.vmflex.vmm.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.vmm.console.ConsoleLog;
import io.vmflex.vmm.console.GuestIncident;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.guest.GuestChannel;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.scaling.HostCpuMeter;
import io.vmflex.vmm.scaling.Observation;
import io.vmflex.vmm.scaling.Scaler;
import io.vmflex.vmm.scaling.VmCgroup;
import io.vmflex.vmm.store.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one owner of a VM on this node. It compares the spec with what QEMU reports and takes the
 * next step: launch QEMU, plug or unplug vCPUs, resize virtio-mem, restart per policy after an
 * exit. Every step is idempotent, so a repeated patch, a lost QMP reply or a daemon restart in the
 * middle converges to the same place.
 *
 * <p>It keeps the reconcile ladder and the last {@link Observation}, and hands each job to a
 * helper: {@link SupervisorLoop} (the owner thread, work handed to it, the next tick), {@link QemuLifecycle} (launch, re-adopt, exit, restart policy and backoff
 * via {@link RestartPolicyDecider}; NIC), {@link QemuHandles} (pidfd, QMP, console reader),
 * {@link RunStateWatch} (QEMU's run state: a guest left paused is resumed),
 * {@link Scaler} (observe, plan, plug and unplug), {@link GuestLink} (the guest monitor's
 * channel, {@code status.guest}), {@link StatusWriter} (status and {@code vm.json}). A live
 * migration runs here too, handed the VM through {@link #migrateOut} as a {@link Departure}; the
 * supervisor knows nothing of how it works.
 *
 * <p>Thread model: all state below, and the helpers, are touched only by the supervisor's own
 * thread ({@link SupervisorLoop}: one virtual thread); public methods enqueue work to it and return futures.
 * Blocking QMP calls are fine on that thread. The exceptions ({@link #snapshot},
 * {@link #guestChannel}, {@link #paths}) say so. Callbacks on other threads only enqueue: QMP
 * events and disconnects (QMP I/O thread), the guest channel's reports; the console reader reads
 * nothing of the supervisor. {@link OwnerThread} fails a schedule or reconcile from any other thread.
 */
public final class VmSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(VmSupervisor.class);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FAST_TICK = Duration.ofMillis(200);
    private static final Duration SLOW_TICK = Duration.ofSeconds(1);
    /** How long a detach waits for the loop to let go of QEMU before it interrupts the loop. */
    private static final Duration DETACH_GRACE = Duration.ofSeconds(5);

    private final NodeContext node;
    private final StateStore store;
    private final VmPaths paths;
    private final SupervisorLoop loop;
    private final ConsoleLog console;
    private final VmCgroup cgroup;
    private final HostCpuMeter cpuMeter = new HostCpuMeter();
    private final StatusWriter status;
    private final GuestLink guest;
    private final QemuHandles qemu;
    private final Scaler scaler;
    private final QemuLifecycle lifecycle;
    private final RunStateWatch runState;
    private final RecoveryHook onRecovery;
    /** Why the loop stopped, for requests that waited behind that: "was deleted", "moved to ...". */
    private volatile String gone;
    /**
     * Orders spec changes and deletes, which come from API threads, against the start of a
     * migration: one that arrives while a migration runs must not queue behind it on the loop.
     */
    private final Object admission = new Object();
    /**
     * The migration handed to {@link #migrateOut} until it ended; written under {@link #admission},
     * read without it by the QMP I/O thread to pass it QEMU's events.
     */
    private volatile Departure migrating;
    private Observation observed;
    private GuestHealth health = GuestHealth.NONE;

    private VmSupervisor(NodeContext node, StateStore store, VirtualMachine vm, QemuRuntime runtime,
            RecoveryHook onRecovery) throws IOException {
        String name = vm.metadata().name();
        this.node = node;
        this.store = store;
        this.status = new StatusWriter(node, store, vm);
        this.paths = store.paths(name);
        this.loop = new SupervisorLoop(name, this::tick,
                () -> "VM " + name + " " + (gone == null ? "is being deleted" : gone));
        this.console = new ConsoleLog(paths.consoleLog(), node.consoleMaxBytes());
        this.cgroup = new VmCgroup(node, name);
        this.guest = new GuestLink(name, paths.guestChannelSocket(), node.events(), loop::enqueue, this::publishStatus);
        this.qemu = new QemuHandles(name, node, paths, console, guest, this::onQmpEvent, this::onQmpDisconnect,
                this::onIncident);
        this.scaler = new Scaler(name, node, store, cgroup, new GuestCpuControl(name, guest::channel, node.events(),
                () -> loop.enqueue(() -> loop.schedule(Duration.ZERO))));
        this.lifecycle = new QemuLifecycle(name, node, store, paths, cgroup, qemu, scaler, runtime);
        this.runState = new RunStateWatch(name, paths, node.events());
        this.onRecovery = onRecovery;
        int restarts = vm.status() != null && vm.status().restartCount() != null ? vm.status().restartCount() : 0;
        this.observed = new Observation(VmPhase.Pending, 0, 0, 0, 0, node.accel().name(), restarts, "Pending", "waiting to start");
    }

    /** A supervisor for a new VM; its spec is persisted before QEMU is started. */
    static VmSupervisor create(NodeContext node, StateStore store, VirtualMachine vm) throws IOException {
        store.saveVm(vm);
        VmSupervisor s = new VmSupervisor(node, store, vm, null, RecoveryHook.NONE);
        s.start();
        return s;
    }

    /**
     * A supervisor for a VM found in the state dir at daemon start: re-adopts its QEMU if that still
     * runs, else treats it as exited while the daemon was away; then {@code onRecovery} runs.
     */
    static VmSupervisor recover(NodeContext node, StateStore store, VirtualMachine vm, QemuRuntime runtime,
            RecoveryHook onRecovery) throws IOException {
        VmSupervisor s = new VmSupervisor(node, store, vm, runtime, onRecovery);
        // Before anyone can read it, status must say what is true now, not what was true when the
        // last daemon wrote it.
        try {
            s.loop.submit(() -> {
                s.observed = s.lifecycle.adoptOrMarkExited(s.observed);
                s.onRecovery.recovered(s.name(), s.paths, s::qmpIfRunning);
                s.reconcile();
                return null;
            }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.error("vm={} recovery failed", s.name(), e);
        }
        s.start();
        return s;
    }

    /** Any thread: the first tick is scheduled by the loop itself. */
    private void start() {
        loop.enqueue(() -> loop.schedule(Duration.ZERO));
    }

    public String name() {
        return status.vm().metadata().name();
    }

    /** The VM as last persisted: spec plus observed status. Any thread. */
    public VirtualMachine snapshot() {
        return status.vm();
    }

    public ConsoleLog console() {
        return console;
    }

    /** The VM's folder; any thread. */
    public VmPaths paths() {
        return paths;
    }

    /**
     * Changes the spec or metadata: {@code change} runs on the owner thread against the VM as it is
     * then, so concurrent updates of one VM are applied one after the other and none is lost. What
     * it returns is stored with the next {@code metadata.resourceVersion} and reconciled at once;
     * when it returns the current VM itself nothing is stored. Refused with a
     * {@link VmConflictException} while the VM migrates: the target took the spec at prepare, and a
     * change queued behind the migration would land on a VM that has left.
     */
    public CompletableFuture<VirtualMachine> update(SpecChange change) {
        synchronized (admission) {
            if (migrating != null) {
                return CompletableFuture.failedFuture(new VmConflictException("VM " + name() + " is migrating to "
                        + migrating.target() + " (migration " + migrating.id() + "): its spec cannot change until the"
                        + " migration ends; apply it then on the node that runs the VM, or cancel the migration"));
            }
            return loop.submit(() -> updateNow(change));
        }
    }

    private VirtualMachine updateNow(SpecChange change) throws IOException {
        checkHere();
        VirtualMachine current = status.vm();
        VirtualMachine updated = change.apply(current);
        if (updated == current) {
            return current;
        }
        boolean specChanged = !Objects.equals(current.spec(), updated.spec());
        status.replaceSpec(updated);
        node.events().publish(specChanged ? VmEvent.normal(name(), "SpecChanged", describeSpec())
                : VmEvent.normal(name(), "MetadataChanged", "labels or annotations changed"));
        reconcile();
        return status.vm();
    }

    /**
     * Stops QEMU gracefully (ACPI power button, up to {@code spec.terminationGracePeriodSeconds}
     * for the guest to power off, then quit and SIGKILL) and forgets the VM. The VM's loop is busy
     * for that long; the future completes once QEMU is gone. A running migration
     * is cancelled first (deleting wins over moving) and the VM deleted once it rolled back; if the
     * migration was already committing, the VM runs on the target and the delete fails with a
     * {@link VmConflictException} that says so.
     */
    public CompletableFuture<VirtualMachine> delete() {
        synchronized (admission) {
            if (migrating != null) {
                migrating.cancel("cancelled: the VM is being deleted");
            }
            return loop.submit(() -> {
                checkHere();
                VirtualMachine last = status.vm();
                gone = "was deleted";
                forget(SpecView.terminationGrace(last));
                node.events().publish(VmEvent.normal(name(), "Deleted", "VM deleted"));
                return last;
            });
        }
    }

    /** On the loop: a request that waited while the VM left this node must not touch it. */
    private void checkHere() {
        if (loop.stopped()) {
            throw new VmConflictException("VM " + name() + " " + (gone == null ? "is no longer supervised here" : gone)
                    + " while the request waited");
        }
    }

    /**
     * Stops QEMU and removes every trace of the VM on this node; ends the loop. Supervisor thread.
     *
     * @param grace how long the guest gets to power off after the ACPI power button; null: QEMU is
     *              stopped without asking the guest (it moved away and runs on the target)
     */
    private void forget(Duration grace) throws IOException {
        loop.stop();
        if (grace == null) {
            lifecycle.stopQemu(QemuHandles.STOP_GRACE);
        } else {
            lifecycle.powerDownQemu(grace);
        }
        qemu.closeConsole();
        cgroup.remove();
        lifecycle.detachNetwork();
        console.close();
        store.deleteVm(name());
        loop.shutdown();
    }

    /**
     * Runs a live migration on the supervisor's thread: no reconcile step runs until it ends. When
     * the target took the VM over, this node's QEMU is stopped and the VM forgotten here (true);
     * otherwise the VM keeps running here and reconciling resumes (false).
     */
    public CompletableFuture<Boolean> migrateOut(Departure migration) {
        synchronized (admission) {
            if (migrating != null) {
                return CompletableFuture.failedFuture(new VmConflictException("VM " + name() + " is migrating already"));
            }
            migrating = migration;
            CompletableFuture<Boolean> moved = loop.submit(() -> migrateOutNow(migration));
            moved.whenComplete((m, e) -> {
                synchronized (admission) {
                    migrating = null;
                }
            });
            return moved;
        }
    }

    private boolean migrateOutNow(Departure migration) throws IOException {
        if (loop.stopped() || qemu.process() == null || qemu.process().exited()) {
            throw new IllegalStateException("VM " + name() + " has no running QEMU to migrate");
        }
        if (!qemu.ensureQmp()) {
            throw new IllegalStateException("VM " + name() + ": QMP not reachable");
        }
        Observation before = observed;
        boolean moved = migration.run(handed(), this::onMigrationStatus);
        if (moved) {
            gone = "moved to " + migration.target();
            forget(null);
        } else {
            observed = before;
            publishStatus();
            loop.schedule(Duration.ZERO);
        }
        return moved;
    }

    private HandedVm handed() {
        VirtualMachine vm = status.vm();
        return new HandedVm(name(), vm, SpecView.of(vm), paths, lifecycle.runtime(), qemu.ops(QMP_TIMEOUT));
    }

    /** QMP to the running QEMU, connected if need be; null when none runs or QMP is unreachable. Supervisor thread. */
    private QmpOps qmpIfRunning() {
        boolean alive = qemu.process() != null && !qemu.process().exited() && qemu.ensureQmp();
        return alive ? qemu.ops(QMP_TIMEOUT) : null;
    }

    /**
     * Runs {@code work} on the supervisor's thread, handed the VM with QMP to its QEMU (null when no
     * QEMU runs here); fails when QEMU runs but QMP cannot be reached.
     */
    public CompletableFuture<Void> withQemu(QemuWork work) {
        return loop.submit(() -> {
            if (loop.stopped() || qemu.process() == null) {
                work.run(null, this::onMigrationStatus);
                return null;
            }
            if (!qemu.ensureQmp()) {
                throw new IllegalStateException("QMP not reachable");
            }
            work.run(handed(), this::onMigrationStatus);
            return null;
        });
    }

    /**
     * The running migration's status, on this thread: phase Migrating while it runs, and
     * {@code status.migration} kept after it ended. Progress polls only update the in-memory copy;
     * disk gets the status when the migration's phase changes.
     */
    private void onMigrationStatus(MigrationStatus m) {
        if (!m.phase().isFinal()) {
            VmPhase p = m.phase() == MigrationPhase.Preparing ? VmPhase.PreMigrating : VmPhase.Migrating;
            observed = observed.withPhase(p, p.name(), "live migration to " + m.target() + ": " + m.message());
        }
        if (status.recordMigration(m)) {
            publishStatus();
            status.persist();
        }
    }

    /**
     * Lets go of the VM without touching QEMU (daemon shutdown): closes QMP and the console, stops
     * the loop. The VM keeps running and the next daemon re-adopts it. A running migration is
     * cancelled first and rolls back on the loop before the detach runs, given
     * {@link Departure#CANCEL_GRACE} for that: interrupted instead, it could not tell QEMU anything
     * (every QMP call fails on an interrupted thread), and the target would not hear the abort. A
     * guest left paused all the same is resumed by the next daemon's first reconcile step.
     */
    public void detach() {
        boolean migrationRuns;
        synchronized (admission) {
            migrationRuns = migrating != null;
            if (migrationRuns) {
                migrating.cancel("cancelled: the daemon is stopping");
            }
        }
        CompletableFuture<Void> done = loop.submit(() -> {
            loop.stop();
            qemu.release();
            console.close();
            return null;
        });
        Duration grace = migrationRuns ? Departure.CANCEL_GRACE.plus(DETACH_GRACE) : DETACH_GRACE;
        try {
            done.get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("vm={} detach did not finish cleanly within {} s: {}", name(), grace.toSeconds(), e.toString());
        }
        loop.shutdownNow();
    }

    private void tick() {
        try {
            reconcile();
        } catch (Throwable t) {
            LOG.error("vm={} reconcile failed", name(), t);
            loop.schedule(SLOW_TICK);
        }
    }

    // ---- the reconcile ladder: each rung returns early with a reason --------------------------

    private void reconcile() {
        loop.check("reconciling");
        if (loop.stopped()) {
            return;
        }
        SpecView spec = SpecView.of(status.vm());
        if (qemu.process() != null && qemu.process().exited()) {
            observed = lifecycle.onExited(false, observed);
        }
        if (qemu.process() == null) {
            if (!lifecycle.shouldRun(spec, observed)) {
                publishStatus();
                return;
            }
            if (node.clock().instant().isBefore(lifecycle.nextLaunchAt())) {
                publishStatus();
                loop.schedule(Duration.between(node.clock().instant(), lifecycle.nextLaunchAt()));
                return;
            }
            observed = lifecycle.launch(status.vm(), spec, observed);
            if (qemu.process() != null) {
                health = health.restarted(node.clock().instant());
            }
            publishStatus();
            loop.schedule(qemu.process() == null ? SLOW_TICK : FAST_TICK);
            return;
        }
        if (!qemu.ensureQmp()) {
            loop.schedule(FAST_TICK);
            return;
        }
        QmpOps ops = qemu.ops(QMP_TIMEOUT);
        // Level-triggered like the rest: a guest something left paused is resumed here, every step.
        RunStateWatch.Outcome run = runState.check(ops);
        Scaler.Outcome scaled = scaler.scale(ops, spec, lifecycle.runtime(), observed, qemu.process().pid());
        lifecycle.runtimeChanged(scaled.runtime());
        observed = run.running() ? scaled.observation()
                : scaled.observation().withPhase(scaled.observation().phase(), "GuestPaused", run.message());
        cpuMeter.sample(System.nanoTime(), node.clock().millis(), cgroup.usage(), spec.cpuUseMillis());
        publishStatus();
        loop.schedule(scaled.converged() && !run.lookAgain() ? SLOW_TICK : FAST_TICK);
    }

    /** Runs one reconcile step on the supervisor's thread, as a tick does; lets tests drive the ladder. */
    CompletableFuture<Void> reconcileNow() {
        return loop.submit(() -> {
            reconcile();
            return null;
        });
    }

    /** Runs on a QMP I/O thread: only hands a reconnect to the supervisor's thread. */
    private void onQmpDisconnect() {
        loop.enqueue(() -> loop.schedule(Duration.ZERO));
    }

    /** Runs on a QMP I/O thread: only hands the event to the supervisor's thread. */
    private void onQmpEvent(String event, JsonNode data) {
        Departure migrating = this.migrating;
        // Not through the loop: the migration runs on the supervisor's thread and waits for its events.
        if (migrating != null && migrating.onQmpEvent(event, data)) {
            return;
        }
        loop.execute(() -> {
            switch (event) {
                case "SHUTDOWN" -> lifecycle.onShutdownEvent(data.path("guest").asBoolean(false));
                case "DEVICE_DELETED" -> scaler.onDeviceDeleted(data.path("device").asText(null));
                case "STOP", "RESUME" -> {
                    // the run state changed: look at once rather than at the next tick
                }
                default -> {
                    return;
                }
            }
            loop.schedule(Duration.ZERO);
        });
    }

    /** Console reader thread: the event is already out; status follows on the owner. */
    private void onIncident(GuestIncident incident) {
        Instant at = node.clock().instant();
        loop.enqueue(() -> {
            health = health.seen(incident, at);
            publishStatus();
        });
    }

    /** How busy the VM's CPUs were over the last second, measured on the host; thread-safe. */
    public Optional<HostCpuMeter.Reading> hostCpu() {
        // From the published status, not the owner's handles: the API's thread reads this.
        var s = status.vm().status();
        return s == null || s.pid() == null ? Optional.empty() : Optional.ofNullable(cpuMeter.reading());
    }

    /** The VM's guest channel while QEMU runs, for the admin API; thread-safe. */
    public Optional<GuestChannel> guestChannel() {
        return guest.channel();
    }

    private void publishStatus() {
        status.publish(observed, lifecycle.nic(), guest, health);
    }

    private String describeSpec() {
        SpecView s = SpecView.of(status.vm());
        return "cpus use " + s.cpuUseMillis() + "m (max " + s.maxCpus() + "), memory slots use " + s.slotsUse()
                + " of " + s.slotsMax() + " x " + (s.slotBytes() >> 20) + " MiB";
    }
}
