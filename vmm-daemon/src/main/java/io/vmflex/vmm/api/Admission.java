package io.vmflex.vmm.api;

import io.vmflex.api.vm.VirtualMachine;

/**
 * Whether a new VM may be created on this node, asked before anything of it is stored: the
 * scheduler's check that the VM's resources fit (in {@code vmflex up}), nothing on a bare daemon.
 * A refusal is answered 403 with the reason, and the VM is not created.
 *
 * <p>Implementations are thread-safe and fast (called on an API thread).
 */
public interface Admission {

    /** Admits everything. */
    Admission ANY = new Admission() {
        @Override
        public String admit(VirtualMachine vm) {
            return null;
        }

        @Override
        public void deleted(String vm) {
        }
    };

    /**
     * The VMs this node already runs, re-adopted at the daemon's start, before the API serves: a
     * scheduler that just started learns them here, so that the first create it is asked about
     * is judged against what really runs.
     */
    default void recovered(java.util.List<VirtualMachine> vms) {
    }

    /** Null when admitted, else one line saying why not. */
    String admit(VirtualMachine vm);

    /** The VM is gone from this node (deleted, or not created after all): release what it held. */
    void deleted(String vm);
}
