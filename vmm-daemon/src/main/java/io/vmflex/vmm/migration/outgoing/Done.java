package io.vmflex.vmm.migration.outgoing;

/**
 * The end: {@code moved} when the target runs the VM and this node's QEMU may be stopped.
 *
 * @param unresolved the outcome is not known (target unreachable at shutdown): the
 *                   {@code outgoing.json} marker stays for the next daemon ({@link InterruptedMigration})
 */
record Done(boolean moved, boolean unresolved) implements Step {
}
