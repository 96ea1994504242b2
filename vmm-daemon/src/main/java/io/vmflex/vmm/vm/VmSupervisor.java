package io.vmflex.vmm.vm;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.netbridge.VmNic;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.vmm.console.ConsoleLog;
import io.vmflex.vmm.console.ConsoleReader;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.guest.ChannelState;
import io.vmflex.vmm.guest.GuestChannel;
import io.vmflex.vmm.guest.GuestChannelConfig;
import io.vmflex.vmm.guest.GuestChannelListener;
import io.vmflex.vmm.guest.GuestClock;
import io.vmflex.vmm.guest.ReceivedMetrics;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.qemu.QemuLauncher;
import io.vmflex.vmm.qemu.QemuProcess;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.store.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one owner of a VM on this node. It compares the spec with what QEMU reports and takes the
 * next step: launch QEMU, plug or unplug vCPUs, resize virtio-mem, restart per policy after an
 * exit. Every step is idempotent, so a repeated patch, a lost QMP reply or a daemon restart in the
 * middle converges to the same place.
 *
 * <p>Thread model: all state below is touched only by the supervisor's own thread (a single
 * virtual-thread scheduler); public methods enqueue work to it and return futures. Blocking QMP
 * calls are fine on that thread.
 */
public final class VmSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(VmSupervisor.class);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FAST_TICK = Duration.ofMillis(200);
    private static final Duration SLOW_TICK = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final NodeContext node;
    private final StateStore store;
    private final VmPaths paths;
    private final ScheduledExecutorService loop;
    private final ConsoleLog console;

    private volatile VirtualMachine vm;
    private QemuRuntime runtime;
    private QemuProcess process;
    private QmpSession qmp;
    private ConsoleReader consoleReader;
    private final VmCgroup cgroup;
    private final Set<String> pendingUnplug = new HashSet<>();
    private boolean guestShutdown;
    private boolean everLaunched;
    private Instant nextLaunchAt = Instant.EPOCH;
    private boolean stopped;
    private ScheduledFuture<?> nextTick;
    private Observation observed;
    private VmNic nic;
    private volatile GuestChannel guest;
    private VirtualMachine persisted;

    private VmSupervisor(NodeContext node, StateStore store, VirtualMachine vm, QemuRuntime runtime) throws IOException {
        this.node = node;
        this.store = store;
        this.vm = vm;
        this.runtime = runtime;
        this.paths = store.paths(vm.metadata().name());
        this.loop = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("vm-" + vm.metadata().name()).factory());
        this.console = new ConsoleLog(paths.consoleLog(), node.consoleMaxBytes());
        this.cgroup = new VmCgroup(node, vm.metadata().name());
        int restarts = vm.status() != null && vm.status().restartCount() != null ? vm.status().restartCount() : 0;
        this.observed = new Observation(VmPhase.Pending, 0, 0, 0, 0, node.accel().name(), restarts, "Pending", "waiting to start");
        this.everLaunched = runtime != null;
    }

    /** A supervisor for a new VM; its spec is persisted before QEMU is started. */
    public static VmSupervisor create(NodeContext node, StateStore store, VirtualMachine vm) throws IOException {
        store.saveVm(vm);
        VmSupervisor s = new VmSupervisor(node, store, vm, null);
        s.start();
        return s;
    }

    /**
     * A supervisor for a VM found in the state dir at daemon start: re-adopts its QEMU if that still
     * runs, else treats it as exited while the daemon was away.
     */
    public static VmSupervisor recover(NodeContext node, StateStore store, VirtualMachine vm, QemuRuntime runtime) throws IOException {
        VmSupervisor s = new VmSupervisor(node, store, vm, runtime);
        // Before anyone can read it, status must say what is true now, not what was true when the
        // last daemon wrote it.
        try {
            s.submit(() -> {
                s.adoptOrMarkExited();
                s.reconcile();
                return null;
            }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.error("vm={} recovery failed", s.name(), e);
        }
        s.start();
        return s;
    }

    private void start() {
        schedule(Duration.ZERO);
    }

    public String name() {
        return vm.metadata().name();
    }

    /** The VM as last persisted: spec plus observed status. Any thread. */
    public VirtualMachine snapshot() {
        return vm;
    }

    public ConsoleLog console() {
        return console;
    }

    /** Replaces the spec (already validated by the caller) and reconciles at once. */
    public CompletableFuture<VirtualMachine> apply(VirtualMachine updated) {
        return submit(() -> {
            boolean specChanged = !java.util.Objects.equals(vm.spec(), updated.spec());
            vm = updated.withStatus(vm.status());
            persisted = StatusMapper.withGuest(vm, null, null);
            store.saveVm(persisted);
            node.events().publish(specChanged ? VmEvent.normal(name(), "SpecChanged", describeSpec())
                    : VmEvent.normal(name(), "MetadataChanged", "labels or annotations changed"));
            reconcile();
            return vm;
        });
    }

    /** Stops QEMU (quit, then SIGKILL after a grace period) and forgets the VM. */
    public CompletableFuture<VirtualMachine> delete() {
        return submit(() -> {
            VirtualMachine last = vm;
            forget();
            node.events().publish(VmEvent.normal(name(), "Deleted", "VM deleted"));
            return last;
        });
    }

    /** Stops QEMU and removes every trace of the VM on this node; ends the loop. Supervisor thread. */
    private void forget() throws IOException {
        stopped = true;
        stopQemu(Duration.ofSeconds(5));
        closeConsole();
        cgroup.remove();
        detachNetwork();
        console.close();
        store.deleteVm(name());
        loop.shutdown();
    }

    /**
     * Runs a live migration on the supervisor's thread: no reconcile step runs until it ends. When
     * the target took the VM over, this node's QEMU is stopped and the VM forgotten here (true);
     * otherwise the VM keeps running here and reconciling resumes (false).
     */
    public CompletableFuture<Boolean> migrateOut(OutgoingMigration migration) {
        return submit(() -> {
            if (stopped || process == null || process.exited()) {
                throw new IllegalStateException("VM " + name() + " has no running QEMU to migrate");
            }
            if (qmp == null || !qmp.isConnected()) {
                connectQmp();
                if (qmp == null) {
                    throw new IllegalStateException("VM " + name() + ": QMP not reachable");
                }
            }
            Observation before = observed;
            boolean moved = migration.run(new OutgoingMigration.Vm(name(), vm, SpecView.of(vm), paths,
                    new QmpOps(qmp, QMP_TIMEOUT)), this::onMigrationStatus);
            if (moved) {
                forget();
            } else {
                observed = before;
                publishStatus();
                schedule(Duration.ZERO);
            }
            return moved;
        });
    }

    /** A migration a previous daemon left unfinished ({@code outgoing.json}); any thread. */
    java.util.Optional<InterruptedMigration.Marker> interruptedMigration() {
        return InterruptedMigration.read(paths);
    }

    /**
     * The target said it does not run the VM (and was told to abort): QEMU runs on here. QEMU may
     * have paused the guest at the end of the stream ({@code postmigrate}); resume it.
     */
    CompletableFuture<Void> stayAfterInterruptedMigration(InterruptedMigration.Marker m) {
        return submit(() -> {
            if (stopped || process == null) {
                InterruptedMigration.delete(paths);
                return null;
            }
            if (qmp == null || !qmp.isConnected()) {
                connectQmp();
            }
            if (qmp == null) {
                throw new IllegalStateException("QMP not reachable");
            }
            QmpOps ops = new QmpOps(qmp, QMP_TIMEOUT);
            String run = ops.status();
            if (!run.equals("running")) {
                ops.call("cont", null);
            }
            InterruptedMigration.delete(paths);
            var last = vm.status() == null ? null : vm.status().migration();
            if (last != null && !last.phase().isFinal()) {
                onMigrationStatus(last.finished(io.vmflex.api.vm.MigrationPhase.Failed, "Interrupted",
                        "the daemon stopped during the migration; the target does not run the VM, it runs here",
                        node.clock().instant()));
            }
            node.events().publish(VmEvent.warning(name(), "MigrationRecovered", "migration " + m.migrationId() + " to "
                    + m.target() + " was interrupted by a daemon restart; the target does not run the VM, so it runs here"
                    + (run.equals("running") ? "" : " (resumed from " + run + ")")));
            return null;
        });
    }

    /**
     * The running migration's status, on this thread: phase Migrating while it runs, and
     * {@code status.migration} kept after it ended. Progress polls only update the in-memory copy;
     * disk gets the status when the migration's phase changes.
     */
    private void onMigrationStatus(io.vmflex.api.vm.MigrationStatus m) {
        io.vmflex.api.vm.MigrationStatus old = vm.status() == null ? null : vm.status().migration();
        if (!m.phase().isFinal()) {
            VmPhase p = m.phase() == io.vmflex.api.vm.MigrationPhase.Preparing ? VmPhase.PreMigrating : VmPhase.Migrating;
            observed = observed.withPhase(p, p.name(), "live migration to " + m.target() + ": " + m.message());
        }
        vm = vm.withStatus((vm.status() == null ? io.vmflex.api.vm.VirtualMachineStatus.EMPTY : vm.status()).withMigration(m));
        if (old == null || old.phase() != m.phase() || !Objects.equals(old.message(), m.message())) {
            publishStatus();
            persist();
        }
    }

    /**
     * Lets go of the VM without touching QEMU (daemon shutdown): closes QMP and the console, stops
     * the loop. The VM keeps running and the next daemon re-adopts it.
     */
    public void detach() {
        CompletableFuture<Void> done = submit(() -> {
            stopped = true;
            releaseQemuHandles();
            console.close();
            return null;
        });
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("vm={} detach did not finish cleanly: {}", name(), e.toString());
        }
        loop.shutdownNow();
    }

    private <T> CompletableFuture<T> submit(Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    f.complete(work.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(new IllegalStateException("VM " + name() + " is being deleted"));
        }
        return f;
    }

    private void schedule(Duration delay) {
        if (stopped || loop.isShutdown()) {
            return;
        }
        if (nextTick != null) {
            nextTick.cancel(false);
        }
        try {
            nextTick = loop.schedule(this::tick, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // shutting down
        }
    }

    private void tick() {
        try {
            reconcile();
        } catch (Throwable t) {
            LOG.error("vm={} reconcile failed", name(), t);
            schedule(SLOW_TICK);
        }
    }

    // ---- the reconcile ladder: each rung returns early with a reason --------------------------

    private void reconcile() {
        if (stopped) {
            return;
        }
        SpecView spec = SpecView.of(vm);
        if (process != null && process.exited()) {
            onQemuExited(false);
        }
        if (process == null) {
            if (!shouldRun(spec)) {
                publishStatus();
                return;
            }
            if (node.clock().instant().isBefore(nextLaunchAt)) {
                publishStatus();
                schedule(Duration.between(node.clock().instant(), nextLaunchAt));
                return;
            }
            launch(spec);
            publishStatus();
            schedule(process == null ? SLOW_TICK : FAST_TICK);
            return;
        }
        if (qmp == null || !qmp.isConnected()) {
            connectQmp();
            if (qmp == null) {
                schedule(FAST_TICK);
                return;
            }
        }
        boolean converged = scale(spec);
        publishStatus();
        schedule(converged ? SLOW_TICK : FAST_TICK);
    }

    private boolean shouldRun(SpecView spec) {
        if (!everLaunched) {
            return true;
        }
        return switch (spec.restartPolicy()) {
            case Always -> true;
            case OnFailure -> observed.phase() != VmPhase.Succeeded;
            case Never -> false;
        };
    }

    private void launch(SpecView spec) {
        QemuVmConfig config;
        try {
            attachNetwork();
            config = QemuConfigs.of(node, paths, vm, spec, nic);
        } catch (ImageStore.ImageNotFoundException | IllegalArgumentException e) {
            failLaunch("FailedToStart", e.getMessage());
            return;
        } catch (IOException | RuntimeException e) {
            failLaunch("NetworkUnavailable", "cannot give the VM its NIC: " + e.getMessage());
            return;
        }
        try {
            QemuRuntime rt = node.launcher().launch(config);
            QemuProcess p = QemuProcess.adopt(rt);
            if (p == null) {
                failLaunch("FailedToStart", "QEMU pid " + rt.pid() + " exited right after starting: see " + paths.qemuStderr());
                return;
            }
            if (everLaunched) {
                observed = new Observation(observed.phase(), 0, 0, 0, 0, observed.accel(), observed.restartCount() + 1,
                        observed.reason(), observed.message());
            }
            everLaunched = true;
            runtime = rt;
            process = p;
            guestShutdown = false;
            plugBudgetReported = false;
            pendingUnplug.clear();
            store.saveRuntime(name(), rt);
            cgroup.join(process.pid());
            openConsole();
            observed = new Observation(VmPhase.Running, spec.bootCpus(), spec.bootCpus() * 1000L, spec.baseMemoryBytes(),
                    rt.pid(), rt.accel(), observed.restartCount(), "Started", "QEMU running");
            node.events().publish(VmEvent.normal(name(), "Started", "QEMU pid " + rt.pid() + " started (accel " + rt.accel()
                    + ", " + spec.bootCpus() + " boot vCPUs, " + (spec.baseMemoryBytes() >> 20) + " MiB boot memory)"));
        } catch (QemuLauncher.LaunchException | IOException e) {
            failLaunch("FailedToStart", e.getMessage());
        }
    }

    private void failLaunch(String reason, String message) {
        everLaunched = true;
        observed = observed.withPhase(VmPhase.Failed, reason, message);
        node.events().publish(VmEvent.warning(name(), reason, message));
        nextLaunchAt = node.clock().instant().plus(backoff());
    }

    private Duration backoff() {
        long secs = 1L << Math.min(observed.restartCount(), 5);
        Duration d = Duration.ofSeconds(secs);
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    /** Tap on the node bridge and an address from the pool; idempotent (same tap, same address). */
    private void attachNetwork() throws IOException {
        if (node.network() != null) {
            nic = node.network().attach(name());
        }
    }

    private void detachNetwork() {
        if (node.network() != null) {
            try {
                node.network().detach(name());
            } catch (IOException | RuntimeException e) {
                node.events().publish(VmEvent.warning(name(), "NetworkCleanupFailed", e.getMessage()));
            }
            nic = null;
        }
    }

    private void adoptOrMarkExited() {
        if (runtime == null) {
            return;
        }
        QemuProcess p = QemuProcess.adopt(runtime);
        if (p != null) {
            process = p;
            try {
                attachNetwork();
            } catch (IOException | RuntimeException e) {
                node.events().publish(VmEvent.warning(name(), "NetworkUnavailable", "re-attaching the VM's tap failed: " + e.getMessage()));
            }
            openConsole();
            cgroup.join(process.pid());
            observed = new Observation(VmPhase.Running, 0, 0, 0, p.pid(), runtime.accel(), observed.restartCount(),
                    "Adopted", "QEMU re-adopted");
            node.events().publish(VmEvent.normal(name(), "Adopted", "re-adopted running QEMU pid " + p.pid()));
        } else {
            node.events().publish(VmEvent.warning(name(), "ExitedWhileDaemonDown",
                    "QEMU pid " + runtime.pid() + " is gone; it exited while the daemon was not running"));
            onQemuExited(true);
        }
    }

    private void onQemuExited(boolean whileAway) {
        VmPhase outcome = guestShutdown && !whileAway ? VmPhase.Succeeded : VmPhase.Failed;
        if (!whileAway) {
            node.events().publish(outcome == VmPhase.Succeeded
                    ? VmEvent.normal(name(), "Exited", "guest shut down; QEMU exited")
                    : VmEvent.warning(name(), "Exited", "QEMU exited unexpectedly: " + lastStderr()));
        }
        releaseQemuHandles();
        runtime = null;
        store.deleteRuntime(name());
        observed = new Observation(outcome, 0, 0, 0, 0, observed.accel(), observed.restartCount(),
                outcome == VmPhase.Succeeded ? "Completed" : "QemuExited",
                outcome == VmPhase.Succeeded ? "guest shut down" : "QEMU exited");
        nextLaunchAt = node.clock().instant().plus(outcome == VmPhase.Succeeded ? Duration.ZERO : backoff());
    }

    /** Closes our handles on QEMU (QMP, console, pidfd); QEMU itself is not touched. */
    private void releaseQemuHandles() {
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

    private String lastStderr() {
        try {
            List<String> lines = java.nio.file.Files.readAllLines(paths.qemuStderr());
            return lines.isEmpty() ? "no message" : lines.getLast();
        } catch (IOException e) {
            return "no message";
        }
    }

    private void connectQmp() {
        try {
            qmp = node.qmp().connect(paths.qmpSocket(), this::onQmpEvent, () -> schedule(Duration.ZERO));
        } catch (Exception e) {
            LOG.debug("vm={} QMP not reachable yet: {}", name(), e.toString());
            qmp = null;
        }
    }

    /** Runs on a QMP I/O thread: only hands the event to the supervisor's thread. */
    private void onQmpEvent(String event, JsonNode data) {
        try {
            loop.execute(() -> {
                switch (event) {
                    case "SHUTDOWN" -> guestShutdown = data.path("guest").asBoolean(false);
                    case "DEVICE_DELETED" -> {
                        String id = data.path("device").asText(null);
                        if (id != null && pendingUnplug.remove(id)) {
                            node.events().publish(VmEvent.normal(name(), "CpuUnplugged", "guest released vCPU " + id));
                        }
                    }
                    default -> {
                        return;
                    }
                }
                schedule(Duration.ZERO);
            });
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // the supervisor is gone
        }
    }

    /** Observes QEMU, issues the plan's steps, records what QEMU reports. True when converged. */
    private boolean scale(SpecView spec) {
        QmpOps ops = new QmpOps(qmp, QMP_TIMEOUT);
        try {
            ScalePlan.Observed have = observe(ops, spec);
            ScalePlan.Desired want = new ScalePlan.Desired(spec.desiredCpus(), spec.desiredPluggedBytes());
            List<ScaleStep> steps = ScalePlan.plan(want, have);
            if (!node.cpuUnplugSafe() && steps.stream().anyMatch(st -> st instanceof ScaleStep.RemoveCpu)) {
                steps = steps.stream().filter(st -> !(st instanceof ScaleStep.RemoveCpu)).toList();
                if (!unplugRefusalReported) {
                    unplugRefusalReported = true;
                    node.events().publish(VmEvent.warning(name(), "CpuUnplugUnsafe",
                            "not unplugging vCPUs: this QEMU crashes on vCPU re-plug under TCG (use QEMU 8.0 or later)"));
                }
            }
            for (ScaleStep step : steps) {
                apply(ops, step);
            }
            if (!steps.isEmpty()) {
                have = observe(ops, spec);
            }
            cgroup.limitCpu(spec.cpuUseMillis());
            boolean converged = ScalePlan.converged(want, have);
            long cpuMillis = Math.min(have.pluggedCpus() * 1000L, spec.cpuUseMillis());
            observed = new Observation(converged ? VmPhase.Running : VmPhase.Scaling, have.pluggedCpus(),
                    converged ? cpuMillis : have.pluggedCpus() * 1000L,
                    spec.baseMemoryBytes() + Math.max(0, have.memoryPluggedBytes()), process.pid(), runtime.accel(),
                    observed.restartCount(), converged ? "Running" : "Scaling",
                    converged ? "QEMU reports the spec's vCPUs and memory" : "plugging or unplugging vCPUs or memory");
            return converged;
        } catch (QmpOps.QmpFailure e) {
            LOG.warn("vm={} QMP step failed: {}", name(), e.getMessage());
            node.events().publish(VmEvent.warning(name(), "QmpError", e.getMessage()));
            return false;
        }
    }

    private ScalePlan.Observed observe(QmpOps ops, SpecView spec) throws QmpOps.QmpFailure {
        List<CpuSlot> cpus = ops.hotpluggableCpus();
        // Unplugs the guest finished without our seeing DEVICE_DELETED (e.g. across a daemon restart).
        pendingUnplug.removeIf(id -> cpus.stream().noneMatch(s -> s.hotplugged() && s.deviceId().equals(id)));
        long requested = -1;
        long plugged = 0;
        if (spec.hotplugMemoryBytes() > 0) {
            requested = ops.virtioMemLong("requested-size");
            plugged = ops.virtioMemLong("size");
        }
        return new ScalePlan.Observed(cpus, Set.copyOf(pendingUnplug), requested, plugged);
    }

    private void apply(QmpOps ops, ScaleStep step) throws QmpOps.QmpFailure {
        switch (step) {
            case ScaleStep.AddCpu add -> {
                if (!runtime.cpuPlugBudgetLeft()) {
                    if (!plugBudgetReported) {
                        plugBudgetReported = true;
                        node.events().publish(VmEvent.warning(name(), "CpuPlugBudgetExhausted", "this QEMU has used all "
                                + runtime.cpuPlugBudget() + " vCPU plugs TCG allows it; restart the VM to plug more"));
                    }
                    return;
                }
                ops.addCpu(add.slot());
                runtime = runtime.withCpuPlugs(runtime.cpuPlugs() + 1);
                try {
                    store.saveRuntime(name(), runtime);
                } catch (IOException e) {
                    LOG.error("vm={} cannot persist runtime: {}", name(), e.toString());
                }
                node.events().publish(VmEvent.normal(name(), "CpuPlugged", "plugged vCPU " + add.slot().deviceId()));
            }
            case ScaleStep.RemoveCpu rm -> {
                ops.removeDevice(rm.deviceId());
                pendingUnplug.add(rm.deviceId());
                node.events().publish(VmEvent.normal(name(), "CpuUnplugRequested", "asked the guest to release vCPU " + rm.deviceId()));
            }
            case ScaleStep.SetMemory mem -> {
                ops.setVirtioMemRequestedSize(mem.requestedBytes());
                node.events().publish(VmEvent.normal(name(), "MemoryResize",
                        "virtio-mem requested-size set to " + (mem.requestedBytes() >> 20) + " MiB"));
            }
        }
    }

    private boolean unplugRefusalReported;
    private boolean plugBudgetReported;

    private void openConsole() {
        closeConsole();
        consoleReader = new ConsoleReader(paths.consoleSocket(), console, () -> !stopped);
        consoleReader.start(name());
        openGuestChannel();
    }

    /** The guest monitor's channel; it reconnects by itself for as long as QEMU runs. */
    private void openGuestChannel() {
        GuestChannel ch = new GuestChannel(name(), paths.guestChannelSocket(), GuestChannelConfig.defaults(),
                GuestClock.system(), new GuestChannelListener() {
                    @Override
                    public void onStateChange(ChannelState s) {
                        onGuestChannelState(s);
                    }

                    @Override
                    public void onMetrics(ReceivedMetrics m) {
                        enqueue(VmSupervisor.this::publishStatus);
                    }

                    @Override
                    public void onUpscaleRequest(io.vmflex.api.guest.GuestMessage.UpscaleRequest r) {
                        node.events().publish(VmEvent.normal(name(), "UpscaleRequested",
                                "the guest monitor reports memory pressure and asks for more"));
                    }
                });
        ch.start();
        guest = ch;
    }

    /** Runs on the channel's thread: report transitions that matter, nothing else. */
    private void onGuestChannelState(ChannelState s) {
        switch (s) {
            case ChannelState.Connected c -> node.events().publish(VmEvent.normal(name(), "GuestChannelConnected",
                    "guest monitor connected (protocol v" + c.version() + ")"));
            case ChannelState.Quarantined q -> node.events().publish(VmEvent.warning(name(), "GuestChannelQuarantined",
                    "guest channel dropped until " + q.until() + ": " + q.reason()));
            case ChannelState.Failed f -> node.events().publish(VmEvent.warning(name(), "GuestChannelFailed", f.reason()));
            default -> {
                // Disconnected/Handshaking/Closed happen on every QEMU or daemon restart: status shows them.
            }
        }
        enqueue(this::publishStatus);
    }

    private void enqueue(Runnable r) {
        try {
            loop.execute(() -> {
                if (!stopped) {
                    r.run();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // the supervisor is gone
        }
    }

    /** The VM's guest channel while QEMU runs, for the admin API; thread-safe. */
    public java.util.Optional<GuestChannel> guestChannel() {
        return java.util.Optional.ofNullable(guest);
    }

    private void closeConsole() {
        if (consoleReader != null) {
            consoleReader.close();
            consoleReader = null;
        }
        GuestChannel ch = guest;
        if (ch != null) {
            ch.close();
            guest = null;
        }
    }

    private void stopQemu(Duration grace) {
        if (process == null) {
            return;
        }
        if (qmp != null && qmp.isConnected()) {
            try {
                new QmpOps(qmp, Duration.ofSeconds(2)).quit();
            } catch (QmpOps.QmpFailure e) {
                LOG.debug("vm={} quit failed: {}", name(), e.getMessage());
            }
        } else {
            process.terminate();
        }
        if (!process.awaitExit((int) grace.toMillis())) {
            LOG.warn("vm={} QEMU pid {} did not exit within {} s; killing it", name(), process.pid(), grace.toSeconds());
            process.kill();
            process.awaitExit(2000);
        }
        if (qmp != null) {
            qmp.close();
            qmp = null;
        }
        process.close();
        process = null;
        runtime = null;
    }

    private void publishStatus() {
        VirtualMachine updated = StatusMapper.withObservation(vm, observed, node.nodeName(), node.clock().instant(), nic);
        GuestChannel ch = guest;
        updated = StatusMapper.withGuest(updated, ch == null ? null : ch.state(), ch == null ? null : ch.lastMetrics().orElse(null));
        if (!updated.equals(vm)) {
            VmPhase before = vm.status() == null ? null : vm.status().phase();
            vm = updated;
            // The guest's report changes every second; it is served from memory and not worth an
            // fsync: disk gets the status only when something else in it changed.
            persist();
            if (before != observed.phase()) {
                node.events().publish(VmEvent.normal(name(), "Phase", "phase " + before + " -> " + observed.phase()));
            }
        }
    }

    /** Writes the VM (without the guest's every-second report) when it differs from what is on disk. */
    private void persist() {
        VirtualMachine durable = StatusMapper.withGuest(vm, null, null);
        if (!durable.equals(persisted)) {
            try {
                store.saveVm(durable);
                persisted = durable;
            } catch (IOException e) {
                LOG.error("vm={} cannot persist status: {}", name(), e.toString());
            }
        }
    }

    private String describeSpec() {
        SpecView s = SpecView.of(vm);
        return "cpus use " + s.cpuUseMillis() + "m (max " + s.maxCpus() + "), memory slots use " + s.slotsUse()
                + " of " + s.slotsMax() + " x " + (s.slotBytes() >> 20) + " MiB";
    }
}
