package io.vmflex.kube.migration;

import io.vmflex.api.vm.MigrationStatus;

import java.util.Optional;

/**
 * The node daemon's live migrations as the migration controller uses them: the same relayed migration
 * {@code POST /v1/vms/{name}/migrate} starts. The {@code cli} module implements it over the daemon's
 * {@code OutgoingMigrations}, so this module knows no daemon class.
 *
 * <p>Implementations are thread-safe and return at once (the migration runs on the VM's own thread).
 */
public interface NodeMigrations {

    /**
     * Starts moving the VM {@code localName} to the daemon listening at {@code target} ({@code host:port}).
     *
     * @return the daemon's migration id
     * @throws IllegalStateException    when the daemon cannot migrate (no cluster secret) or the VM is migrating already
     * @throws IllegalArgumentException when the VM is unknown here or a knob or the target is not acceptable
     */
    String start(String localName, String target, Knobs knobs);

    /** The migration's status now (while it runs and after it ended), if this daemon knows it. */
    Optional<MigrationStatus> get(String id);

    /** Asks the migration to stop; the VM stays on this node unless it is already being committed on the target. */
    void cancel(String id);
}
