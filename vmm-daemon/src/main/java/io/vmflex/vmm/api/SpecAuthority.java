package io.vmflex.vmm.api;

import io.vmflex.api.vm.VirtualMachine;

/**
 * Who may change VMs through the admin API. Standalone, the admin API is where specs come from
 * ({@link #ADMIN_API}). In Kubernetes mode the API server is, and the node controller changes VMs
 * through {@link VmService} directly: the admin API then refuses creates, spec changes and deletes
 * with a 409 saying where to make them, and keeps serving reads, logs, events and the node check.
 *
 * <p>Implementations are thread-safe and fast (asked on an API thread).
 */
public interface SpecAuthority {

    SpecAuthority ADMIN_API = new SpecAuthority() {
        @Override
        public String refuseCreate(String name) {
            return null;
        }

        @Override
        public String refuseChange(VirtualMachine vm) {
            return null;
        }
    };

    /** Null when the admin API may create a VM of this name here, else one line saying why not. */
    String refuseCreate(String name);

    /** Null when the admin API may change or delete {@code vm}, else one line saying why not. */
    String refuseChange(VirtualMachine vm);

    /** Null when the admin API may live-migrate {@code vm}, else one line saying why not (answered 409). */
    default String refuseMigration(VirtualMachine vm) {
        return null;
    }
}
