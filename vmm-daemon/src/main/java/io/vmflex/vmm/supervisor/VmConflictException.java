package io.vmflex.vmm.supervisor;

/**
 * A request the VM's state refuses right now: its spec cannot change while it migrates, or it left
 * this node (moved, deleted) while the request waited. The caller's conflict, not a daemon fault;
 * the message is one line for the operator.
 */
public final class VmConflictException extends RuntimeException {
    public VmConflictException(String message) {
        super(message, null, false, false);
    }
}
