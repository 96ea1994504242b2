package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.qemu.QmpOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

import static io.vmflex.vmm.migration.outgoing.MigrationRun.failed;
import static io.vmflex.vmm.migration.outgoing.MigrationRun.message;

/**
 * Tells the target to resume its copy, over the connection {@link CommitLink} holds ready.
 *
 * <p>Past QEMU's "completed" the source QEMU is paused in postmigrate and the target holds a full
 * copy. Resuming the source is safe only when the target does not run its copy: a lost commit
 * response may hide a target that did resume. So when the answer is lost, ask ({@code query})
 * until the target says; never guess.
 *
 * @param completedSeenNanos when the watch saw QEMU's "completed" (System.nanoTime): the start of
 *                           the daemons' part of the guest's pause
 * @param switchover         when QEMU was let go on from pre-switchover; null without a disk mirror
 */
record Commit(long completedSeenNanos, SwitchOver.Times switchover) implements Step {
    private static final Logger LOG = LoggerFactory.getLogger(Commit.class);

    Step next(MigrationRun run) {
        if (!run.signals.enterCommit()) {
            // Commit -- a cancel came first --> RollBack
            return run.cancelled(true);
        }
        // No status write before the commit: the guest is paused until the target resumes it.
        try {
            long sent = System.nanoTime();
            JsonNode answer = run.target.commit(run.commitLink());
            long answered = System.nanoTime();
            updateFinalFigures(run);
            long resumedIn = answer.path("resumedInMicros").asLong(-1);
            MigrationStatus s = run.status();
            run.amend(s.withSwitchoverMs(switchoverMs(s.downtimeMs(), sent - completedSeenNanos, resumedIn)));
            LOG.info("vm={} migration {}: guest paused {} ms = QEMU downtime {} ms{} + commit sent {} us after completion"
                            + " + target resumed it {} us later (commit answered after {} us)", run.vm.name(),
                    run.request.id(), run.status().switchoverMs(), run.status().downtimeMs(), switchover != null
                            ? String.format(" (pre-switchover seen to migrate-continue %d us, then to completion seen %d us)",
                            (switchover.continuedNanos() - switchover.seenNanos()) / 1000,
                            (completedSeenNanos - switchover.continuedNanos()) / 1000) : "",
                    (sent - completedSeenNanos) / 1000, resumedIn, (answered - sent) / 1000);
            // Commit -- target resumed the VM --> Done(moved)
            return done(run);
        } catch (TargetControl.TargetRefused e) {
            // Commit -- refused: the target did not resume its copy, and dropped it --> RollBack
            return failed("CommitRefused", e.getMessage(), true);
        } catch (IOException e) {
            LOG.warn("vm={} migration {}: commit answer lost ({}); asking the target", run.vm.name(), run.request.id(),
                    e.toString());
        }
        run.update(run.status().withPhase(MigrationPhase.Migrating, "QEMU completed; the target's answer to the commit was lost"));
        // Commit -- no answer --> ask until the target answers; the source stays paused meanwhile
        return resolveLostCommit(run);
    }

    private static Step resolveLostCommit(MigrationRun run) {
        long attempt = 0;
        while (true) {
            try {
                switch (run.target.query(run.vm.name())) {
                    case "committed" -> {
                        updateFinalFigures(run);
                        // Commit -- the target says it runs the VM --> Done(moved)
                        return done(run);
                    }
                    case "pending", "absent" -> {
                        // Commit -- the target says it does not run the VM --> RollBack
                        return failed("CommitFailed", "the target did not resume the VM", true);
                    }
                    default -> throw new IOException("unexpected answer");
                }
            } catch (IOException e) {
                if (attempt++ % 12 == 0) {
                    run.node.events().publish(VmEvent.warning(run.vm.name(), "MigrationOutcomeUnknown", "cannot reach "
                            + run.status().target() + " to learn whether it resumed the VM (" + message(e)
                            + "); the VM stays paused here until it answers"));
                    run.update(run.status().withPhase(MigrationPhase.Migrating, "outcome unknown: target unreachable; source paused"));
                }
            }
            try {
                Thread.sleep(TargetControl.ABORT_RETRY.toMillis());
            } catch (InterruptedException e) {
                // Commit -- daemon stopping --> Done(unresolved): the VM stays paused here; re-adoption asks the target again
                Thread.currentThread().interrupt();
                return new Done(false, true);
            }
        }
    }

    /** The source QEMU's figures of the whole migration (downtime, totals), which it keeps after completing. */
    private static void updateFinalFigures(MigrationRun run) {
        try {
            JsonNode q = run.vm.ops().call("query-migrate", null);
            if (q.has("ram")) {
                run.amend(run.status().withProgress(Watch.progressOf(q)));
            }
        } catch (QmpOps.QmpFailure e) {
            LOG.warn("vm={} migration {}: QEMU's final figures are unknown: {}", run.vm.name(), run.request.id(), message(e));
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

    private static Step done(MigrationRun run) {
        MigrationStatus s = run.status();
        run.update(s.finished(MigrationPhase.Completed, null, "the VM runs on " + s.target(), run.node.clock().instant()));
        s = run.status();
        run.node.events().publish(VmEvent.normal(run.vm.name(), "Migrated", "live-migrated to " + s.target() + " in "
                + s.totalMs() + " ms (downtime " + s.downtimeMs() + " ms, paused " + s.switchoverMs()
                + " ms until it ran on the target; encryption " + s.encryption() + ")"));
        return new Done(true, false);
    }
}
