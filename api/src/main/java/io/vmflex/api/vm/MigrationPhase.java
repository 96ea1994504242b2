package io.vmflex.api.vm;

/**
 * Where one live migration is, seen from its source node:
 *
 * <pre>
 *   Preparing --target started paused--> Migrating --QEMU completed + target resumed--> Completed
 *       |                                    |
 *       +-- error ------------------------> Failed     (the VM keeps running on the source)
 *       +-- vmctl migrate cancel ---------> Cancelled  (the VM keeps running on the source)
 * </pre>
 */
public enum MigrationPhase {
    /** Asking the target daemon to start a paused QEMU with the VM's current devices. */
    Preparing,
    /** QEMU streams memory and device state through the daemons' relay. */
    Migrating,
    /** The target runs the VM; the source QEMU is gone. */
    Completed,
    /** Something broke or a timeout hit; the VM runs on the source, the target was cleaned up. */
    Failed,
    /** The operator cancelled; the VM runs on the source, the target was cleaned up. */
    Cancelled;

    /** Whether the migration has ended (no further change). */
    public boolean isFinal() {
        return switch (this) {
            case Preparing, Migrating -> false;
            case Completed, Failed, Cancelled -> true;
        };
    }
}
