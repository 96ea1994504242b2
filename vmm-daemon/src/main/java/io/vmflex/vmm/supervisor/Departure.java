package io.vmflex.vmm.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.vm.MigrationStatus;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A live migration away from this node, as the VM's supervisor sees it ({@link VmSupervisor#migrateOut}).
 * The supervisor hands it the VM on its own thread and runs no reconcile step until it ends; spec
 * changes are refused meanwhile, a delete or a daemon stop cancels it. The supervisor does not know
 * how a migration works: that lives in {@code io.vmflex.vmm.migration.outgoing}.
 *
 * <p>Thread-safety: {@link #run} on the supervisor's thread; {@link #cancel} from any thread;
 * {@link #onQmpEvent} on a QMP I/O thread, and it must not block.
 */
public interface Departure {
    /**
     * How long a cancelled migration may take to end, rolling back included, before a stopping
     * daemon interrupts it (systemd's stop timeout is 90 s by default).
     */
    Duration CANCEL_GRACE = Duration.ofSeconds(30);

    UUID id();

    /** The target's migration address, for messages. */
    String target();

    /**
     * @param onStatus sees every status change, on the supervisor's thread
     * @return true when the target owns the running VM and this node's QEMU may be stopped
     */
    boolean run(HandedVm vm, Consumer<MigrationStatus> onStatus);

    /** Stops the migration if it has not started to commit; {@code why} becomes its message. */
    void cancel(String why);

    /** A QMP event of the VM's QEMU while the migration runs; true when it was the migration's. */
    boolean onQmpEvent(String event, JsonNode data);
}
