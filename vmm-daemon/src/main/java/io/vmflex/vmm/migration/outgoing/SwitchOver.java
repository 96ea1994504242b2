package io.vmflex.vmm.migration.outgoing;

import io.vmflex.vmm.migration.qemu.MigrationTuning;
import io.vmflex.vmm.qemu.QmpOps;

import static io.vmflex.vmm.migration.outgoing.MigrationRun.failed;
import static io.vmflex.vmm.migration.outgoing.MigrationRun.message;

/**
 * QEMU paused the guest before its final pass ({@code pre-switchover}, only with a disk mirror):
 * completes the disk mirror, then lets QEMU go on ({@code migrate-continue}). Once per migration:
 * QEMU may still say {@code pre-switchover} at the next query.
 *
 * @param watch     the watch to go back to
 * @param seenNanos when the watch saw {@code pre-switchover} (System.nanoTime)
 */
record SwitchOver(Watch watch, long seenNanos) implements Step {

    /** When QEMU was seen in pre-switchover and when it accepted {@code migrate-continue} (System.nanoTime). */
    record Times(long seenNanos, long continuedNanos) {
    }

    Step next(MigrationRun run) {
        try {
            OutgoingDiskMirror mirror = run.diskMirror();
            if (mirror != null) {
                try {
                    mirror.finish(run.vm.ops(), TargetControl.SHORT_CONTROL_TIMEOUT);
                } catch (InterruptedException e) {
                    return MigrationRun.interrupted();
                } catch (RuntimeException | QmpOps.QmpFailure e) {
                    // SwitchOver -- the mirror did not end in sync --> RollBack
                    return failed("DiskMirrorFailed", message(e) + mirror.relayCause(), true);
                }
            }
            MigrationTuning.continueFromPreSwitchover(run.vm.ops());
        } catch (QmpOps.QmpFailure e) {
            // SwitchOver -- QEMU does not go on --> RollBack
            return failed("QmpFailed", message(e), true);
        }
        // SwitchOver -- target holds every disk write, QEMU goes on --> Watch
        return watch.continued(new Times(seenNanos, System.nanoTime()));
    }
}
