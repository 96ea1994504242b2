package io.vmflex.vmm.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.HandshakeException;
import io.vmflex.migration.MigrationControl;
import io.vmflex.migration.MigrationSource;
import io.vmflex.migration.RelayOptions;
import io.vmflex.netbridge.VmMac;
import io.vmflex.sys.netlink.MacAddress;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.qemu.VmPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The source side of one live migration, run by the VM's supervisor on its own thread (so no
 * reconcile step runs meanwhile). A state machine; each state is a method returning the next:
 *
 * <pre>
 *   Prepare --target QEMU waits--> [Mirror --root disk in sync-->] Stream --QEMU migrating--> Watch --QEMU completed--> Commit --> Done(moved)
 *      |                                  |                            |                         |                         |
 *      +----------------------------------+----------------------------+-------------------------+-------------------------+--> RollBack --> Done(stayed)
 *        error / cancel                     mirror failed, stalled,      error / cancel              QEMU failed, relay broke,     target refused,
 *                                           cancel                                                   timeout, disk writes          had not run it
 *                                                                                                    stalled, cancel
 * </pre>
 *
 * A VM with a root disk goes through Mirror ({@link DiskMirror}): its disk writes move with it, and
 * Watch completes the mirror while QEMU waits in {@code pre-switchover} with the guest paused.
 * Meanwhile each guest disk write waits for the target, so Watch also gives up when one has waited
 * {@link DiskWriteWatch#LIMIT} ({@link DiskWriteWatch}).
 *
 * RollBack leaves the VM running here: {@code migrate_cancel}, {@code cont} if QEMU had paused it,
 * and {@code abort} to the target (retried in the background if the target is unreachable, since
 * a cut link heals). A commit whose answer was lost is resolved by asking the target (see
 * {@link #commit}); the source is resumed only when the target is known not to run the VM.
 *
 * <p>Thread-safety: {@link #run} on the supervisor's thread only; {@link #requestCancel()} from
 * any thread.
 */
public final class OutgoingMigration {
    private static final Logger LOG = LoggerFactory.getLogger(OutgoingMigration.class);
    private static final ObjectMapper JSON = ApiMapper.json();
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration SHORT_CONTROL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration ABORT_RETRY = Duration.ofSeconds(5);
    private static final Duration ABORT_GIVE_UP = Duration.ofMinutes(5);

    /**
     * What the operator asked for.
     *
     * @param multifdChannels 1 for a plain single-stream migration, N &ge; 2 for multifd with N channels
     */
    public record Request(UUID id, InetSocketAddress target, long downtimeLimitMs, long maxBandwidthMbps,
                          int multifdChannels, MigrationTimeouts timeouts) {
        public Request {
            MigrationTuning.checkChannels(multifdChannels);
        }
    }

    /** The machine's states; data a later state needs travels in the record. */
    private sealed interface Step {
        record Prepare() implements Step {
        }

        record Mirror() implements Step {
        }

        record Stream() implements Step {
        }

        record Watch(ProgressWatch progress, SwitchoverHold hold) implements Step {
        }

        record Commit() implements Step {
        }

        /** @param targetPrepared whether the target may hold a paused QEMU that must be aborted */
        record RollBack(MigrationPhase outcome, String reason, String message, boolean targetPrepared) implements Step {
        }

        /** @param unresolved the outcome is not known (target unreachable at shutdown): keep the marker */
        record Done(boolean moved, boolean unresolved) implements Step {
        }
    }

    /** How a cancel request was taken. */
    public enum CancelAnswer {
        /** The migration stops now (the watch loop wakes up). */
        ACCEPTED,
        /** Too late: the target is being committed, or the migration already ended. */
        TOO_LATE
    }

    private final Request request;
    private final ClusterSecret secret;
    private final NodeContext node;
    private final Consumer<MigrationStatus> publish;
    private final Clock clock;
    private MigrationStatus status;
    private MigrationSource source;
    private Consumer<MigrationStatus> onStatus;
    /**
     * Wakes the watch loop before its next poll: QEMU's MIGRATION events, a cancel, a broken relay.
     * Without it the target would wait up to a poll interval after QEMU completed, and that wait is
     * guest downtime (the VM is paused on the source until the target resumes it).
     */
    private final Semaphore wakeUp = new Semaphore(0);
    private boolean cancelRequested; // guarded by this
    private String cancelReason; // guarded by this; the first cancel's
    /** When the watch loop saw QEMU's "completed" (System.nanoTime); the start of the daemons' part of the pause. */
    private long completedSeenNanos;
    /** The VM has a root disk whose writes go along (decided in Prepare). */
    private boolean mirrorDisk;
    /**
     * From Mirror on: the disk relay and the source QEMU's mirror job, which roll-back removes.
     * Volatile: QMP events reach it from an I/O thread ({@link #onQemuDiskMirrorEvent}).
     */
    private volatile OutgoingDiskMirror diskMirror;
    /** {@code migrate-continue} was sent (QEMU leaves pre-switchover on its own from there). */
    private boolean switchoverContinued;
    /** When the watch loop saw pre-switchover, and when QEMU accepted {@code migrate-continue} (System.nanoTime). */
    private long preSwitchoverSeenNanos;
    private long continuedNanos;
    /**
     * The status of QEMU's last {@code MIGRATION} event. With the guest paused the watch loop acts on
     * it (pre-switchover, completed) without asking QEMU first: each query there is a round trip of pause.
     */
    private volatile String qemuReported = "";
    /** From Stream on: the connection the commit goes over, authenticated ahead of time. */
    private CommitLink commitLink;
    private boolean pastCancel; // guarded by this: committing or finished

    OutgoingMigration(Request request, ClusterSecret secret, NodeContext node, MigrationStatus initial,
            Consumer<MigrationStatus> publish) {
        this.request = request;
        this.secret = secret;
        this.node = node;
        this.status = initial;
        this.publish = publish;
        this.clock = node.clock();
    }

    public UUID id() {
        return request.id();
    }

    /** The target's migration address, for messages; any thread. */
    String target() {
        return request.target().getHostString() + ":" + request.target().getPort();
    }

    /** Any thread. */
    public CancelAnswer requestCancel() {
        return requestCancel("cancelled by the operator");
    }

    /** @param why the migration's message when the cancel takes effect */
    synchronized CancelAnswer requestCancel(String why) {
        if (pastCancel) {
            return CancelAnswer.TOO_LATE;
        }
        if (!cancelRequested) {
            cancelReason = why;
        }
        cancelRequested = true;
        wakeUp.release();
        return CancelAnswer.ACCEPTED;
    }

    /**
     * QEMU's {@code MIGRATION} and {@code MIGRATION_PASS} events (status changes and new passes,
     * with the {@code events} capability on): the watch loop queries QEMU at once instead of at its
     * next poll. Any thread; does not block, so the QMP I/O thread may call it.
     */
    public void onQemuMigrationEvent(String event, JsonNode data) {
        if (event.equals("MIGRATION")) {
            qemuReported = data.path("status").asText("");
        }
        wakeUp.release();
    }

    /** QEMU's event about the disk mirror job; any thread, does not block. */
    public void onQemuDiskMirrorEvent(String event, JsonNode data) {
        OutgoingDiskMirror mirror = diskMirror;
        if (mirror != null) {
            mirror.onJobEvent(event, data);
        }
    }

    private synchronized boolean cancelRequested() {
        return cancelRequested;
    }

    /** @return false when a cancel came first */
    private synchronized boolean enterCommit() {
        if (cancelRequested) {
            return false;
        }
        pastCancel = true;
        return true;
    }

    private synchronized void finish() {
        pastCancel = true;
    }

    /** Shows the disk copy in the status message, at most twice a second (QEMU is asked every 20 ms). */
    private final class DiskCopyProgress implements DiskMirror.Progress {
        private static final long EVERY_NANOS = 500_000_000L;
        private long shownAt = System.nanoTime();

        @Override
        public void copied(long bytes, long totalBytes) {
            long now = System.nanoTime();
            if (now - shownAt >= EVERY_NANOS) {
                shownAt = now;
                update(status.withPhase(MigrationPhase.Migrating, String.format(java.util.Locale.ROOT,
                        "copying the root disk's writes to the target: %.1f of %.1f MiB", bytes / 1048576.0, totalBytes / 1048576.0)));
            }
        }
    }

    private void update(MigrationStatus s) {
        status = s;
        publish.accept(s);
        if (onStatus != null) {
            onStatus.accept(s);
        }
    }

    /** The supervisor's view of its VM for the duration of one run. */
    record Vm(String name, VirtualMachine vm, SpecView spec, VmPaths paths, QmpOps ops) {
    }

    /**
     * @param onStatus sees every status change, on this thread (the supervisor's view of it)
     * @return true when the target owns the running VM and the source QEMU may be stopped
     */
    boolean run(Vm vm, Consumer<MigrationStatus> onStatus) {
        this.onStatus = onStatus;
        onStatus.accept(status);
        Step step = new Step.Prepare();
        try {
            while (!(step instanceof Step.Done)) {
                step = switch (step) {
                    case Step.Prepare p -> prepare(vm);
                    case Step.Mirror m -> mirror(vm);
                    case Step.Stream s -> stream(vm);
                    case Step.Watch w -> watch(vm, w.progress(), w.hold());
                    case Step.Commit c -> commit(vm);
                    case Step.RollBack r -> rollBack(vm, r);
                    case Step.Done d -> d;
                };
            }
        } finally {
            finish();
            if (source != null) {
                source.close();
            }
            if (diskMirror != null) {
                diskMirror.close();
            }
            if (commitLink != null) {
                commitLink.close();
            }
            if (!(step instanceof Step.Done d && d.unresolved())) {
                InterruptedMigration.delete(vm.paths());
            }
        }
        return ((Step.Done) step).moved();
    }

    // Prepare -- target started a paused QEMU --> Mirror (root disk) or Stream
    private Step prepare(Vm vm) {
        try {
            mirrorDisk = DiskMirror.hasRootDisk(vm.ops());
        } catch (QmpOps.QmpFailure e) {
            return new Step.RollBack(MigrationPhase.Failed, "PrepareFailed", message(e), false);
        }
        try {
            control(prepareMessage(vm), CONTROL_TIMEOUT);
        } catch (TargetRefused | HandshakeException e) {
            // The target answered no (and cleaned up its half-made QEMU), or never let us in.
            return new Step.RollBack(MigrationPhase.Failed, "PrepareFailed", message(e), false);
        } catch (Exception e) {
            // No answer: the target may have prepared after all.
            return new Step.RollBack(MigrationPhase.Failed, "PrepareFailed", message(e), true);
        }
        if (cancelRequested()) {
            return cancelled(true);
        }
        return mirrorDisk ? new Step.Mirror() : new Step.Stream();
    }

    // Mirror -- the target's disk has the source overlay's data and gets every write --> Stream
    private Step mirror(Vm vm) {
        update(status.withPhase(MigrationPhase.Migrating, "copying the root disk's writes to the target"));
        try {
            diskMirror = OutgoingDiskMirror.open(vm.paths().dir().resolve("nbd-relay.sock"), request.target(), request.id(),
                    MigrationTuning.connections(request.multifdChannels()), secret, wakeUp::release);
            return switch (diskMirror.sync(vm.ops(), request.maxBandwidthMbps(), request.timeouts().progress(),
                    this::cancelRequested, new DiskCopyProgress())) {
                case DiskMirror.Readiness.Ready r -> {
                    LOG.info("vm={} migration {}: root disk in sync with the target ({} bytes copied)", vm.name(),
                            request.id(), r.bytes());
                    yield new Step.Stream();
                }
                case DiskMirror.Readiness.Failed f -> new Step.RollBack(MigrationPhase.Failed, "DiskMirrorFailed",
                        f.message() + diskMirror.relayCause(), true);
                case DiskMirror.Readiness.Stopped x -> cancelRequested() ? cancelled(true)
                        : new Step.RollBack(MigrationPhase.Failed, "RelayFailed", "the disk relay to the target broke"
                        + diskMirror.relayCause(), true);
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Step.RollBack(MigrationPhase.Failed, "Interrupted", "the daemon is stopping", true);
        } catch (Exception e) {
            return new Step.RollBack(MigrationPhase.Failed, "DiskMirrorFailed", message(e), true);
        }
    }

    /** The {@code prepare} request: the VM and the devices its QEMU has now, hot-plugged ones included. */
    private ObjectNode prepareMessage(Vm vm) throws QmpOps.QmpFailure {
        ObjectNode prepare = JSON.createObjectNode();
        prepare.put("op", "prepare");
        prepare.put("migrationId", request.id().toString());
        prepare.set("vm", JSON.valueToTree(vm.vm()));
        prepare.put("channels", MigrationTuning.connections(request.multifdChannels()));
        prepare.put("multifdChannels", request.multifdChannels());
        prepare.put("disk", mirrorDisk);
        // The target gives up on a silent source after as long as the source waits for progress.
        prepare.put("progressTimeoutSeconds", request.timeouts().progress().toSeconds());
        var cpus = prepare.putArray("pluggedCpus");
        for (CpuSlot c : vm.ops().hotpluggableCpus()) {
            if (c.hotplugged()) {
                cpus.addObject().put("type", c.type()).put("id", c.deviceId()).put("socketId", c.socketId())
                        .put("coreId", c.coreId()).put("threadId", c.threadId());
            }
        }
        prepare.put("virtioMemRequestedBytes",
                vm.spec().hotplugMemoryBytes() > 0 ? vm.ops().virtioMemLong("requested-size") : 0);
        // The VM keeps its address and MAC on the target (flat L2 overlay).
        if (node.network() != null) {
            node.network().pool().lookup(vm.name()).ifPresent(ip -> prepare.put("ip", ip.getHostAddress()));
            prepare.put("mac", MacAddress.format(VmMac.of(vm.name())));
        }
        return prepare;
    }

    // Stream -- relay listening, QEMU told to migrate --> Watch
    private Step stream(Vm vm) {
        Path sock = vm.paths().dir().resolve("migrate.sock");
        SwitchoverHold hold;
        try {
            Files.deleteIfExists(sock);
            source = MigrationSource.open(sock, request.target(), request.id(),
                    MigrationTuning.connections(request.multifdChannels()), secret, RelayOptions.DEFAULTS);
            source.completion().whenComplete((ok, failed) -> wakeUp.release());
            commitLink = CommitLink.open(request.target(), secret, RelayOptions.DEFAULTS);
            hold = MigrationTuning.applySource(vm.ops(), request.downtimeLimitMs(), request.maxBandwidthMbps(),
                    request.multifdChannels(), mirrorDisk);
            // From here a daemon that dies leaves a QEMU that may complete on its own: the next
            // daemon must ask the target before it resumes or drops it.
            InterruptedMigration.write(vm.paths(), new InterruptedMigration.Marker(request.id(), status.target()));
            ObjectNode migrate = JSON.createObjectNode();
            migrate.put("uri", "unix:" + sock);
            vm.ops().call("migrate", migrate);
        } catch (Exception e) {
            return new Step.RollBack(MigrationPhase.Failed, "StartFailed", message(e), true);
        }
        update(status.withPhase(MigrationPhase.Migrating, "QEMU is migrating"));
        long memory = vm.spec().baseMemoryBytes() + vm.spec().hotplugMemoryBytes();
        return new Step.Watch(new ProgressWatch(request.timeouts(), memory, System.nanoTime()), hold);
    }

    // Watch -- completed --> Commit; failed, relay broken, timeout, cancel --> RollBack
    private Step watch(Vm vm, ProgressWatch progress, SwitchoverHold hold) {
        DiskWriteWatch diskWrites = new DiskWriteWatch(DiskWriteWatch.LIMIT);
        try {
            while (true) {
                String reported = qemuReported;
                if (reported.equals("completed")) {
                    // QEMU's final figures are asked for after the commit: until then the guest is paused.
                    completedSeenNanos = System.nanoTime();
                    return new Step.Commit();
                }
                if (reported.equals("pre-switchover") && !switchoverContinued) {
                    if (switchOver(vm) instanceof Step.RollBack r) {
                        return r;
                    }
                    continue;
                }
                commitLink.refresh();
                JsonNode q = vm.ops().call("query-migrate", null);
                if (hold.observe(vm.ops(), q)) {
                    LOG.debug("vm={} migration {}: first pass done, switch-over allowed within {} ms", vm.name(), request.id(),
                            request.downtimeLimitMs());
                }
                MigrationStatus.Progress p = progressOf(q);
                // A failed or cancelled migration has no "ram" figures any more: keep the last ones.
                update(q.has("ram") ? status.withProgress(p) : status.withQemuStatus(p.qemuStatus()));
                switch (p.qemuStatus()) {
                    case "completed" -> {
                        completedSeenNanos = System.nanoTime();
                        return new Step.Commit();
                    }
                    case "pre-switchover" -> {
                        if (!switchoverContinued) {
                            if (switchOver(vm) instanceof Step.RollBack r) {
                                return r;
                            }
                            continue;
                        }
                    }
                    case "failed", "cancelled" -> {
                        String err = q.path("error-desc").asText("");
                        return new Step.RollBack(MigrationPhase.Failed, "QemuFailed", "QEMU reports the migration "
                                + p.qemuStatus() + (err.isEmpty() ? "" : ": " + err) + relayCause(), true);
                    }
                    default -> {
                        // setup, active, pre-switchover, device: keep watching
                    }
                }
                if (cancelRequested()) {
                    return cancelled(true);
                }
                if (source.completion().isCompletedExceptionally()
                        || (diskMirror != null && diskMirror.relayBroke())) {
                    return new Step.RollBack(MigrationPhase.Failed, "RelayFailed", "the relay to the target broke"
                            + relayCause(), true);
                }
                if (progress.observe(System.nanoTime(), p.transferredBytes(), p.remainingBytes())
                        instanceof ProgressWatch.Verdict.GiveUp g) {
                    return new Step.RollBack(MigrationPhase.Failed, g.reason(), g.message(), true);
                }
                if (diskMirror != null && !switchoverContinued
                        && DiskMirror.progress(vm.ops()) instanceof DiskMirror.JobProgress job
                        && diskWrites.observe(System.nanoTime(), job) instanceof ProgressWatch.Verdict.GiveUp g) {
                    return new Step.RollBack(MigrationPhase.Failed, g.reason(), g.message(), true);
                }
                if (wakeUp.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                    wakeUp.drainPermits(); // one query answers every wake-up so far
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Step.RollBack(MigrationPhase.Failed, "Interrupted", "the daemon is stopping", true);
        } catch (QmpOps.QmpFailure e) {
            return new Step.RollBack(MigrationPhase.Failed, "QmpFailed", message(e), true);
        }
    }

    /**
     * QEMU paused the guest before its final pass (pre-switchover, only with a disk mirror): completes
     * the mirror, then lets QEMU go on. Once: QEMU may still say pre-switchover at the next query.
     *
     * @return a roll-back, or null when QEMU goes on
     */
    private Step.RollBack switchOver(Vm vm) throws QmpOps.QmpFailure {
        preSwitchoverSeenNanos = System.nanoTime();
        if (diskMirror != null) {
            try {
                diskMirror.finish(vm.ops(), SHORT_CONTROL_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Step.RollBack(MigrationPhase.Failed, "Interrupted", "the daemon is stopping", true);
            } catch (RuntimeException | QmpOps.QmpFailure e) {
                return new Step.RollBack(MigrationPhase.Failed, "DiskMirrorFailed", message(e) + diskMirror.relayCause(), true);
            }
        }
        MigrationTuning.continueFromPreSwitchover(vm.ops());
        continuedNanos = System.nanoTime();
        switchoverContinued = true;
        return null;
    }

    static MigrationStatus.Progress progressOf(JsonNode q) {
        JsonNode ram = q.path("ram");
        long rate = (long) (ram.path("mbps").asDouble(0) * 1_000_000 / 8);
        long dirty = ram.path("dirty-pages-rate").asLong(0) * ram.path("page-size").asLong(4096);
        return new MigrationStatus.Progress(q.path("status").asText("none"), ram.path("transferred").asLong(),
                ram.path("remaining").asLong(), ram.path("total").asLong(), rate, dirty,
                q.path("expected-downtime").asLong(0), q.path("downtime").asLong(0), q.path("total-time").asLong(0));
    }

    private String relayCause() {
        return relayCause(source);
    }

    static String relayCause(MigrationSource relay) {
        if (relay == null || !relay.completion().isCompletedExceptionally()) {
            return "";
        }
        try {
            relay.completion().join();
            return "";
        } catch (RuntimeException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            return " (relay: " + message(c) + ")";
        }
    }

    /*
     * Commit -- target resumed the VM --> Done(moved)
     * Commit -- target refused, or says it does not run the VM --> RollBack
     * Commit -- no answer --> ask again until the target answers; the source stays paused meanwhile
     *
     * Past QEMU's "completed" the source QEMU is paused in postmigrate and the target holds a full
     * copy. Resuming the source is safe only when the target does not run its copy: a lost commit
     * response may hide a target that did resume. So when the answer is lost, ask ("query") until
     * the target says; never guess.
     */
    private Step commit(Vm vm) {
        if (!enterCommit()) {
            return cancelled(true);
        }
        // No status write before the commit: the guest is paused until the target resumes it.
        ObjectNode commit = JSON.createObjectNode();
        commit.put("op", "commit");
        commit.put("migrationId", request.id().toString());
        try {
            long sent = System.nanoTime();
            JsonNode answer = answer(commit, commitLink.call(JSON.writeValueAsString(commit), CONTROL_TIMEOUT));
            long answered = System.nanoTime();
            updateFinalFigures(vm);
            long resumedIn = answer.path("resumedInMicros").asLong(-1);
            status = status.withSwitchoverMs(switchoverMs(status.downtimeMs(), sent - completedSeenNanos, resumedIn));
            LOG.info("vm={} migration {}: guest paused {} ms = QEMU downtime {} ms{} + commit sent {} us after completion"
                            + " + target resumed it {} us later (commit answered after {} us)", vm.name(), request.id(),
                    status.switchoverMs(), status.downtimeMs(), switchoverContinued
                            ? String.format(" (pre-switchover seen to migrate-continue %d us, then to completion seen %d us)",
                            (continuedNanos - preSwitchoverSeenNanos) / 1000, (completedSeenNanos - continuedNanos) / 1000) : "",
                    (sent - completedSeenNanos) / 1000, resumedIn, (answered - sent) / 1000);
            return done(vm);
        } catch (TargetRefused e) {
            // The target answered: it did not resume its copy, and dropped it.
            return new Step.RollBack(MigrationPhase.Failed, "CommitRefused", e.getMessage(), true);
        } catch (IOException e) {
            LOG.warn("vm={} migration {}: commit answer lost ({}); asking the target", vm.name(), request.id(), e.toString());
        }
        update(status.withPhase(MigrationPhase.Migrating, "QEMU completed; the target's answer to the commit was lost"));
        return resolveLostCommit(vm);
    }

    /** The source QEMU's figures of the whole migration (downtime, totals), which it keeps after completing. */
    private void updateFinalFigures(Vm vm) {
        try {
            JsonNode q = vm.ops().call("query-migrate", null);
            if (q.has("ram")) {
                status = status.withProgress(progressOf(q));
            }
        } catch (QmpOps.QmpFailure e) {
            LOG.warn("vm={} migration {}: QEMU's final figures are unknown: {}", vm.name(), request.id(), message(e));
        }
    }

    /**
     * The guest's pause as its clients see it: QEMU's downtime (stop to the source's last byte), then
     * this daemon's reaction until it sent the commit, then the target's wait for its QEMU to finish
     * loading plus {@code cont}. Leaves out the commit message's one-way network delay. 0 when the
     * target did not say (an older daemon).
     */
    static long switchoverMs(long qemuDowntimeMs, long reactionNanos, long targetResumedInMicros) {
        if (targetResumedInMicros < 0) {
            return 0;
        }
        return qemuDowntimeMs + Math.round(reactionNanos / 1e6 + targetResumedInMicros / 1e3);
    }

    private Step resolveLostCommit(Vm vm) {
        long attempt = 0;
        while (true) {
            try {
                switch (askTarget(vm.name())) {
                    case "committed" -> {
                        updateFinalFigures(vm);
                        return done(vm);
                    }
                    case "pending", "absent" -> {
                        return new Step.RollBack(MigrationPhase.Failed, "CommitFailed",
                                "the target did not resume the VM", true);
                    }
                    default -> throw new IOException("unexpected answer");
                }
            } catch (IOException e) {
                if (attempt++ % 12 == 0) {
                    node.events().publish(VmEvent.warning(vm.name(), "MigrationOutcomeUnknown", "cannot reach "
                            + status.target() + " to learn whether it resumed the VM (" + message(e)
                            + "); the VM stays paused here until it answers"));
                    update(status.withPhase(MigrationPhase.Migrating, "outcome unknown: target unreachable; source paused"));
                }
            }
            try {
                Thread.sleep(ABORT_RETRY.toMillis());
            } catch (InterruptedException e) {
                // Daemon stopping: the VM stays paused here; re-adoption asks the target again.
                Thread.currentThread().interrupt();
                return new Step.Done(false, true);
            }
        }
    }

    /** "committed", "pending" or "absent", as the target daemon sees migration {@code id} of VM {@code name}. */
    private String askTarget(String name) throws IOException {
        ObjectNode q = JSON.createObjectNode();
        q.put("op", "query");
        q.put("migrationId", request.id().toString());
        q.put("vm", name);
        return control(q, SHORT_CONTROL_TIMEOUT).path("state").asText("");
    }

    private Step done(Vm vm) {
        update(status.finished(MigrationPhase.Completed, null, "the VM runs on " + status.target(), clock.instant()));
        node.events().publish(VmEvent.normal(vm.name(), "Migrated", "live-migrated to " + status.target() + " in "
                + status.totalMs() + " ms (downtime " + status.downtimeMs() + " ms, paused " + status.switchoverMs()
                + " ms until it ran on the target)"));
        return new Step.Done(true, false);
    }

    private Step.RollBack cancelled(boolean targetPrepared) {
        String why;
        synchronized (this) {
            why = cancelReason;
        }
        return new Step.RollBack(MigrationPhase.Cancelled, "Cancelled", why, targetPrepared);
    }

    // RollBack -- VM runs here, target told to drop its copy --> Done(stayed)
    private Step rollBack(Vm vm, Step.RollBack r) {
        long t0 = System.nanoTime();
        LOG.warn("vm={} migration {} {}: {} {}", vm.name(), request.id(), r.outcome(), r.reason(), r.message());
        QmpOps ops = vm.ops();
        try {
            ops.call("migrate_cancel", null);
            for (int i = 0; i < 50; i++) {
                String s = ops.call("query-migrate", null).path("status").asText("none");
                if (!s.equals("active") && !s.equals("cancelling") && !s.equals("device") && !s.equals("setup")
                        && !s.equals("pre-switchover")) {
                    break;
                }
                Thread.sleep(100);
            }
            if (diskMirror != null) {
                diskMirror.abandon(ops);
            }
            if (!ops.status().equals("running")) {
                ops.call("cont", null);
            }
        } catch (QmpOps.QmpFailure e) {
            LOG.warn("vm={} resuming after the failed migration: {}", vm.name(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (source != null) {
            source.close();
        }
        if (diskMirror != null) {
            diskMirror.close();
        }
        if (r.targetPrepared()) {
            abortTarget(vm.name());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String msg = r.message() + "; the VM keeps running here (rolled back in " + ms + " ms)";
        update(status.finished(r.outcome(), r.reason(), msg, clock.instant()));
        node.events().publish(VmEvent.warning(vm.name(), r.outcome() == MigrationPhase.Cancelled ? "MigrationCancelled"
                : "MigrationFailed", "migration to " + status.target() + ": " + msg));
        return new Step.Done(false, false);
    }

    /** Tells the target to drop its copy; keeps trying in the background while it is unreachable. */
    private void abortTarget(String name) {
        if (tryAbort(name)) {
            return;
        }
        long giveUp = System.nanoTime() + ABORT_GIVE_UP.toNanos();
        Thread.ofVirtual().name("migration-abort-" + request.id().toString().substring(0, 8)).start(() -> {
            while (System.nanoTime() < giveUp) {
                try {
                    Thread.sleep(ABORT_RETRY.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                if (tryAbort(name)) {
                    return;
                }
            }
            LOG.warn("vm={} migration {}: target never confirmed the abort; its incoming TTL removes it",
                    name, request.id());
        });
    }

    private boolean tryAbort(String name) {
        try {
            ObjectNode abort = JSON.createObjectNode();
            abort.put("op", "abort");
            abort.put("migrationId", request.id().toString());
            control(abort, SHORT_CONTROL_TIMEOUT);
            return true;
        } catch (IOException e) {
            LOG.warn("vm={} target did not confirm the abort of {}: {}", name, request.id(), e.getMessage());
            return false;
        }
    }

    /** The target answered, and said no. */
    private static final class TargetRefused extends IOException {
        TargetRefused(String message) {
            super(message);
        }
    }

    private JsonNode control(ObjectNode req, Duration timeout) throws IOException {
        return answer(req, MigrationControl.call(request.target(), secret, JSON.writeValueAsString(req), timeout,
                RelayOptions.DEFAULTS));
    }

    private static JsonNode answer(ObjectNode req, String response) throws IOException {
        JsonNode r = JSON.readTree(response);
        if (!r.path("ok").asBoolean(false)) {
            throw new TargetRefused("target refused " + req.path("op").asText() + ": " + r.path("error").asText("no reason"));
        }
        return r;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
