package io.vmflex.api.vm;

/** High-level summary of where a VM is in its lifecycle, as NeonVM's {@code status.phase}. */
public enum VmPhase {
    /** Accepted, but the hypervisor process has not been started yet. */
    Pending,
    /** The guest runs. */
    Running,
    /** CPUs or memory are being plugged or unplugged. */
    Scaling,
    /** The guest stopped with success and will not be restarted. */
    Succeeded,
    /** The guest stopped with a failure and will not be restarted. */
    Failed,
    /** Preparing a live migration. */
    PreMigrating,
    /** Live migration to another node is under way. */
    Migrating;

    /** Whether the guest is expected to be running in this phase (as NeonVM's IsAlive). */
    public boolean isAlive() {
        return switch (this) {
            case Running, Scaling, PreMigrating, Migrating -> true;
            case Pending, Succeeded, Failed -> false;
        };
    }
}
