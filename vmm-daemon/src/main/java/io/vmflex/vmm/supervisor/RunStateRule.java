package io.vmflex.vmm.supervisor;

import java.util.Set;

/**
 * What the supervisor does about QEMU's run state when no migration is handed the VM: a pure
 * function of what QEMU reports ({@code query-status}, {@code query-migrate}) and of whether the VM's
 * folder holds an outgoing migration whose outcome is not settled. Asked on every reconcile step, so
 * a guest that something left paused (a rollback whose {@code cont} timed out, a daemon that stopped
 * in the middle of one) runs again at the next step instead of never.
 *
 * <p>Only the supervisor's thread runs reconcile steps, and a migration runs on that thread, so while
 * one is asked no migration of this daemon drives QEMU: a migration QEMU still reports as running
 * has no driver any more and is cancelled. Nothing in vmflex pauses a guest on purpose outside a
 * migration (there is no operator pause), so a guest paused by {@code stop} or left in
 * {@code postmigrate} is resumed, with one exception: while {@code outgoing.json} exists the target
 * may run the VM, and only the settling of that migration may resume this copy. Run states that a
 * migration cannot leave ({@code io-error}, {@code guest-panicked}, {@code suspended}, ...) are left
 * as they are and reported.
 *
 * <p>Stateless; thread-safe.
 */
final class RunStateRule {
    /** Paused states a migration leaves behind that {@code cont} ends. */
    private static final Set<String> RESUMABLE = Set.of("paused", "postmigrate");
    /** QEMU's migration states that mean none is in progress. */
    private static final Set<String> MIGRATION_ENDED = Set.of("none", "completed", "failed", "cancelled");

    private RunStateRule() {
    }

    /** The supervisor's next move. */
    sealed interface Action {
        /** The guest runs: nothing to do. */
        record Running() implements Action {
        }

        /** Send {@code cont}: the guest is paused ({@code from}) and nothing may keep it so. */
        record Resume(String from) implements Action {
        }

        /** QEMU still runs a migration ({@code state}) that nobody drives: {@code migrate_cancel}, look again. */
        record CancelMigration(String state) implements Action {
        }

        /** Leave the guest as QEMU has it ({@code runState}); {@code why} goes to status. */
        record Leave(String runState, String why) implements Action {
        }
    }

    /**
     * @param runState          QEMU's {@code query-status} status
     * @param outgoingUnsettled the VM's folder holds {@code outgoing.json}
     * @param migration         QEMU's {@code query-migrate} status ("none" when it reports none); only
     *                          looked at when the guest does not run
     */
    static Action decide(String runState, boolean outgoingUnsettled, String migration) {
        if (runState.equals("running")) {
            return new Action.Running();
        }
        boolean pausedByMigration = RESUMABLE.contains(runState) || runState.equals("finish-migrate");
        if (!pausedByMigration) {
            return new Action.Leave(runState, "QEMU reports " + runState + "; only a guest a migration or a stop"
                    + " paused is resumed");
        }
        if (outgoingUnsettled) {
            return new Action.Leave(runState, "an interrupted migration's outcome is not settled with its target;"
                    + " resuming this copy could run the guest twice");
        }
        if (migration.equals("cancelling")) {
            return new Action.Leave(runState, "QEMU is cancelling a migration");
        }
        if (!MIGRATION_ENDED.contains(migration)) {
            return new Action.CancelMigration(migration);
        }
        if (!RESUMABLE.contains(runState)) {
            return new Action.Leave(runState, "QEMU is finishing a migration it ended (" + migration + ")");
        }
        return new Action.Resume(runState);
    }
}
