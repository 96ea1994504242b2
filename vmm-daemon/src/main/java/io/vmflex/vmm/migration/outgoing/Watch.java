package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.vmm.migration.qemu.DiskMirror;
import io.vmflex.vmm.migration.qemu.SwitchoverHold;
import io.vmflex.vmm.qemu.QmpOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

import static io.vmflex.vmm.migration.outgoing.MigrationRun.failed;
import static io.vmflex.vmm.migration.outgoing.MigrationRun.message;

/**
 * Follows QEMU's migration until it completes: polls {@code query-migrate} into
 * {@code status.migration}, woken early by QEMU's events, a cancel or a broken relay
 * ({@link Signals}). On the way the {@link SwitchoverHold} gives QEMU the operator's downtime limit
 * once the first pass is done, {@link ProgressWatch} enforces the timeouts, and {@link DiskWriteWatch}
 * gives up when a guest disk write waits too long for the target. With the guest paused it acts on
 * QEMU's event without querying first: each query there is a round trip of pause.
 *
 * @param switchover when the switch-over was let go on ({@link SwitchOver}); null before
 */
record Watch(ProgressWatch progress, SwitchoverHold hold, DiskWriteWatch diskWrites, SwitchOver.Times switchover)
        implements Step {
    private static final Logger LOG = LoggerFactory.getLogger(Watch.class);
    private static final Duration POLL = Duration.ofMillis(200);

    static Watch start(ProgressWatch progress, SwitchoverHold hold) {
        return new Watch(progress, hold, new DiskWriteWatch(DiskWriteWatch.LIMIT), null);
    }

    /** The same watch after QEMU was let go on from {@code pre-switchover}. */
    Watch continued(SwitchOver.Times times) {
        return new Watch(progress, hold, diskWrites, times);
    }

    Step next(MigrationRun run) {
        try {
            while (true) {
                String reported = run.signals.qemuReported();
                if (reported.equals("completed")) {
                    // Watch -- QEMU's event: completed --> Commit
                    // QEMU's final figures are asked for after the commit: until then the guest is paused.
                    return new Commit(System.nanoTime(), switchover);
                }
                if (reported.equals("pre-switchover") && switchover == null) {
                    // Watch -- QEMU's event: pre-switchover --> SwitchOver
                    return new SwitchOver(this, System.nanoTime());
                }
                run.commitLink().refresh();
                JsonNode q = run.vm.ops().call("query-migrate", null);
                if (hold.observe(run.vm.ops(), q)) {
                    LOG.debug("vm={} migration {}: first pass done, switch-over allowed within {} ms", run.vm.name(),
                            run.request.id(), run.request.downtimeLimitMs());
                }
                MigrationStatus.Progress p = progressOf(q);
                // A failed or cancelled migration has no "ram" figures any more: keep the last ones.
                run.update(q.has("ram") ? run.status().withProgress(p) : run.status().withQemuStatus(p.qemuStatus()));
                switch (p.qemuStatus()) {
                    case "completed" -> {
                        // Watch -- completed --> Commit
                        return new Commit(System.nanoTime(), switchover);
                    }
                    case "pre-switchover" -> {
                        if (switchover == null) {
                            // Watch -- pre-switchover --> SwitchOver
                            return new SwitchOver(this, System.nanoTime());
                        }
                    }
                    case "failed", "cancelled" -> {
                        // Watch -- QEMU failed --> RollBack
                        String err = q.path("error-desc").asText("");
                        return failed("QemuFailed", "QEMU reports the migration " + p.qemuStatus()
                                + (err.isEmpty() ? "" : ": " + err) + run.relayCause(), true);
                    }
                    default -> {
                        // setup, active, pre-switchover, device: keep watching
                    }
                }
                if (run.signals.cancelRequested()) {
                    // Watch -- cancel --> RollBack
                    return run.cancelled(true);
                }
                OutgoingDiskMirror mirror = run.diskMirror();
                if (run.relay().completion().isCompletedExceptionally() || (mirror != null && mirror.relayBroke())) {
                    // Watch -- relay broke --> RollBack
                    return failed("RelayFailed", "the relay to the target broke" + run.relayCause(), true);
                }
                if (progress.observe(System.nanoTime(), p.transferredBytes(), p.remainingBytes())
                        instanceof ProgressWatch.Verdict.GiveUp g) {
                    // Watch -- no progress, or not completed in time --> RollBack
                    return failed(g.reason(), g.message(), true);
                }
                if (mirror != null && switchover == null
                        && DiskMirror.progress(run.vm.ops()) instanceof DiskMirror.JobProgress job
                        && diskWrites.observe(System.nanoTime(), job) instanceof ProgressWatch.Verdict.GiveUp g) {
                    // Watch -- guest disk writes stalled --> RollBack
                    return failed(g.reason(), g.message(), true);
                }
                run.signals.awaitWakeUp(POLL);
            }
        } catch (InterruptedException e) {
            return MigrationRun.interrupted();
        } catch (QmpOps.QmpFailure e) {
            return failed("QmpFailed", message(e), true);
        }
    }

    static MigrationStatus.Progress progressOf(JsonNode q) {
        JsonNode ram = q.path("ram");
        long rate = (long) (ram.path("mbps").asDouble(0) * 1_000_000 / 8);
        long dirty = ram.path("dirty-pages-rate").asLong(0) * ram.path("page-size").asLong(4096);
        return new MigrationStatus.Progress(q.path("status").asText("none"), ram.path("transferred").asLong(),
                ram.path("remaining").asLong(), ram.path("total").asLong(), rate, dirty,
                q.path("expected-downtime").asLong(0), q.path("downtime").asLong(0), q.path("total-time").asLong(0));
    }
}
