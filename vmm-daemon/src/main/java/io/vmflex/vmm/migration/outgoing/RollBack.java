package io.vmflex.vmm.migration.outgoing;

import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.qemu.QmpOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leaves the VM running here: {@code migrate_cancel}, the disk mirror dropped, {@code cont} if QEMU
 * had paused the guest, and {@code abort} to the target (retried in the background if the target is
 * unreachable, since a cut link heals).
 *
 * @param outcome        Failed or Cancelled
 * @param reason         CamelCase, for {@code status.migration.reason}
 * @param targetPrepared whether the target may hold a paused QEMU that must be aborted
 */
record RollBack(MigrationPhase outcome, String reason, String message, boolean targetPrepared) implements Step {
    private static final Logger LOG = LoggerFactory.getLogger(RollBack.class);

    Step next(MigrationRun run) {
        long t0 = System.nanoTime();
        String vm = run.vm.name();
        LOG.warn("vm={} migration {} {}: {} {}", vm, run.request.id(), outcome, reason, message);
        QmpOps ops = run.vm.ops();
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
            if (run.diskMirror() != null) {
                run.diskMirror().abandon(ops);
            }
            if (!ops.status().equals("running")) {
                ops.call("cont", null);
            }
        } catch (QmpOps.QmpFailure e) {
            LOG.warn("vm={} resuming after the failed migration: {}", vm, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        run.closeRelays();
        if (targetPrepared) {
            run.target.abort(vm);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String msg = message + "; the VM keeps running here (rolled back in " + ms + " ms)";
        run.update(run.status().finished(outcome, reason, msg, run.node.clock().instant()));
        run.node.events().publish(VmEvent.warning(vm, outcome == MigrationPhase.Cancelled ? "MigrationCancelled"
                : "MigrationFailed", "migration to " + run.status().target() + ": " + msg));
        // RollBack -- VM runs here, target told to drop its copy --> Done(stayed)
        return new Done(false, false);
    }
}
