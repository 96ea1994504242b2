package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.migration.ControlReply;
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
 * copy. Resuming the source is safe only when the target does not run its copy and never will: a
 * lost commit answer may hide a target that did resume, and a commit still on its way may land
 * later. So anything but "committed" is settled with a {@code fence} ({@link CommitOutcome}), asked
 * until the target answers: under the commit's own lock the target reports the VM committed, or drops
 * its copy and refuses every later commit of this migration. Never a guess.
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
        long sent = System.nanoTime();
        ControlReply reply = null;
        try {
            reply = run.target.commit(run.commitLink());
        } catch (IOException e) {
            LOG.warn("vm={} migration {}: commit answer lost ({}); fencing the target", run.vm.name(), run.request.id(),
                    e.toString());
        }
        long answered = System.nanoTime();
        return switch (CommitOutcome.ofCommit(reply)) {
            case CommitOutcome.Moved moved -> {
                updateFinalFigures(run);
                MigrationStatus s = run.status();
                run.amend(s.withSwitchoverMs(switchoverMs(s.downtimeMs(), sent - completedSeenNanos,
                        moved.resumedInMicros())));
                LOG.info("vm={} migration {}: guest paused {} ms = QEMU downtime {} ms{} + commit sent {} us after completion"
                                + " + target resumed it {} us later (commit answered after {} us)", run.vm.name(),
                        run.request.id(), run.status().switchoverMs(), run.status().downtimeMs(), switchover != null
                                ? String.format(" (pre-switchover seen to migrate-continue %d us, then to completion seen %d us)",
                                (switchover.continuedNanos() - switchover.seenNanos()) / 1000,
                                (completedSeenNanos - switchover.continuedNanos()) / 1000) : "",
                        (sent - completedSeenNanos) / 1000, moved.resumedInMicros(), (answered - sent) / 1000);
                // Commit -- target resumed the VM --> Done(moved)
                yield done(run);
            }
            case CommitOutcome.Fence fence -> {
                run.update(run.status().withPhase(MigrationPhase.Migrating, "QEMU completed; " + fence.why()
                        + "; settling it with the target"));
                // Commit -- refused, or no answer --> fence until the target answers; the source stays paused meanwhile
                yield settle(run, reply instanceof ControlReply.Refused r ? r : null);
            }
            // ofCommit never says so without a fence; fence anyway
            case CommitOutcome.StaysHere stays -> settle(run, null);
        };
    }

    /** @param refusal the target's refusal of the commit; null when its answer was lost */
    private static Step settle(MigrationRun run, ControlReply.Refused refusal) {
        long attempt = 0;
        while (true) {
            ControlReply reply = null;
            String lost = "";
            try {
                reply = run.target.fence(run.vm.name());
            } catch (IOException e) {
                lost = " (" + message(e) + ")";
            }
            switch (CommitOutcome.ofFence(reply)) {
                case CommitOutcome.Moved moved -> {
                    updateFinalFigures(run);
                    // Commit -- fence: the target runs the VM --> Done(moved)
                    return done(run);
                }
                case CommitOutcome.StaysHere stays -> {
                    // Commit -- fence: the target dropped its copy for good --> RollBack (nothing left to abort)
                    return refusal != null
                            ? failed("CommitRefused", "target refused commit: " + refusal.error(), false)
                            : failed("CommitFailed", "the target did not resume the VM (the commit's answer was lost;"
                                    + " the target dropped its copy)", false);
                }
                case CommitOutcome.Fence again -> {
                    if (attempt++ % 12 == 0) {
                        run.node.events().publish(VmEvent.warning(run.vm.name(), "MigrationOutcomeUnknown", "cannot learn from "
                                + run.status().target() + " whether it resumed the VM (" + again.why() + lost
                                + "); the VM stays paused here until it answers"));
                        run.update(run.status().withPhase(MigrationPhase.Migrating,
                                "outcome unknown: target unreachable; source paused"));
                    }
                }
            }
            try {
                Thread.sleep(run.target.retryPause().toMillis());
            } catch (InterruptedException e) {
                // Commit -- daemon stopping --> Done(unresolved): the VM stays paused here; re-adoption fences the target
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
