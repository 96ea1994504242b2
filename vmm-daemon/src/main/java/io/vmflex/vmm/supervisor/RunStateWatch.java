package io.vmflex.vmm.supervisor;

import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.VmPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;

/**
 * The reconcile step's look at QEMU's run state: asks QEMU, lets {@link RunStateRule} decide, and
 * does what it says ({@code cont}, {@code migrate_cancel}), reporting each change once as an event.
 *
 * <p>Not threadsafe; used only on its supervisor's owner thread.
 */
final class RunStateWatch {
    // Logs under the supervisor's name: operators filter on it.
    private static final Logger LOG = LoggerFactory.getLogger(VmSupervisor.class);

    private final String vm;
    private final VmPaths paths;
    private final EventBus events;
    /** The last Leave reported, so a guest left paused is reported once, not every tick. */
    private String reported;

    RunStateWatch(String vm, VmPaths paths, EventBus events) {
        this.vm = vm;
        this.paths = paths;
        this.events = events;
    }

    /**
     * What this step found.
     *
     * @param running    the guest runs (also when QEMU could not be asked: scaling will say why)
     * @param lookAgain  worth another look soon (a resume or cancel was just tried)
     * @param message    why the guest does not run, for status; null when it runs
     */
    record Outcome(boolean running, boolean lookAgain, String message) {
        static final Outcome RUNNING = new Outcome(true, false, null);
    }

    Outcome check(QmpOps ops) {
        try {
            String run = ops.status();
            if (run.equals("running")) {
                reported = null;
                return Outcome.RUNNING;
            }
            boolean unsettled = Files.exists(paths.outgoingMarker());
            String migration = ops.call("query-migrate", null).path("status").asText("none");
            return act(ops, RunStateRule.decide(run, unsettled, migration));
        } catch (QmpOps.QmpFailure e) {
            LOG.debug("vm={} run state unknown: {}", vm, e.getMessage());
            return Outcome.RUNNING;
        }
    }

    private Outcome act(QmpOps ops, RunStateRule.Action action) throws QmpOps.QmpFailure {
        return switch (action) {
            case RunStateRule.Action.Running r -> Outcome.RUNNING;
            case RunStateRule.Action.Resume r -> {
                try {
                    ops.call("cont", null);
                } catch (QmpOps.QmpFailure e) {
                    yield paused("QEMU has the guest paused (" + r.from() + ") and did not take cont: "
                            + e.getMessage(), true);
                }
                reported = null;
                events.publish(VmEvent.warning(vm, "GuestResumed", "QEMU had the guest paused (" + r.from()
                        + ") with no migration running; resumed it"));
                yield Outcome.RUNNING;
            }
            case RunStateRule.Action.CancelMigration c -> {
                ops.call("migrate_cancel", null);
                yield paused("QEMU was still migrating (" + c.state() + ") with nobody driving the migration;"
                        + " cancelled it", true);
            }
            case RunStateRule.Action.Leave l -> paused("QEMU has the guest " + l.runState() + ": " + l.why(), false);
        };
    }

    private Outcome paused(String message, boolean lookAgain) {
        if (!message.equals(reported)) {
            reported = message;
            events.publish(VmEvent.warning(vm, "GuestNotRunning", message));
        }
        return new Outcome(false, lookAgain, message);
    }
}
