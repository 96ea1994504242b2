package io.vmflex.vmm.migration.incoming;

import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.store.AtomicFiles;
import io.vmflex.vmm.supervisor.RecoveryHook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.util.function.Supplier;

/**
 * The target's side of a migration a daemon did not see to its end (the source's is
 * {@code io.vmflex.vmm.migration.outgoing.InterruptedMigration}): a VM that came here by a migration which passed
 * its commit point, while the daemon that took it stopped before QEMU ran the guest. Its
 * {@link VmPaths#resumeMarker()} is still there and its QEMU waits paused with the whole guest
 * loaded; the source has let go of its copy, or will once it asks and hears "committed". Resuming it
 * is the only safe move.
 *
 * <p>The supervisor runs it for every VM it re-adopts ({@link RecoveryHook}), on its own thread.
 * Stateless but for the event bus; thread-safe.
 */
public final class InterruptedArrival implements RecoveryHook {
    private static final Logger LOG = LoggerFactory.getLogger(InterruptedArrival.class);

    private final EventBus events;

    public InterruptedArrival(EventBus events) {
        this.events = events;
    }

    /** Resumes the VM when its folder still holds the resume marker; nothing otherwise. */
    @Override
    public void recovered(String vm, VmPaths paths, Supplier<QmpOps> qemu) {
        if (pending(paths)) {
            resume(vm, paths, qemu.get(), events);
        }
    }

    static boolean pending(VmPaths paths) {
        return Files.exists(paths.resumeMarker());
    }

    /**
     * Resumes the VM's QEMU ({@code ops}; null when QEMU is gone, and the restart policy decides) and
     * removes the marker. A QEMU that does not resume keeps the marker and says so in an event.
     */
    static void resume(String vm, VmPaths paths, QmpOps ops, EventBus events) {
        if (ops != null) {
            try {
                String run = ops.status();
                if (!run.equals("running")) {
                    ops.call("cont", null);
                    ops.announceSelf();
                    events.publish(VmEvent.normal(vm, "MigratedIn", "resumed by a restarted daemon: the migration"
                            + " here had committed, QEMU was still " + run));
                }
            } catch (QmpOps.QmpFailure e) {
                LOG.error("vm={} arrived by migration but could not be resumed: {}", vm, e.getMessage());
                events.publish(VmEvent.warning(vm, "ResumeFailed", "arrived by migration, committed, but QEMU"
                        + " did not resume: " + e.getMessage()));
                return;
            }
        }
        try {
            AtomicFiles.delete(paths.resumeMarker());
        } catch (IOException e) {
            LOG.warn("vm={} resume marker not removed: {}", vm, e.toString());
        }
    }
}
