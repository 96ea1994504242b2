package io.vmflex.vmm.migration.incoming;

import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.ControlRequest;

import java.time.Duration;
import java.util.UUID;

/**
 * What the target does to the node for its incoming migrations (QEMU, the VM's folder, its NIC,
 * the name's hold in the registry). {@link IncomingMigrations} decides when; this does it.
 * {@link QemuLanding} is the daemon's; tests use a fake.
 *
 * <p>Implementations are thread-safe; a {@link PreparedCopy} is used under its migration's lock.
 */
interface Landing {

    /** Removes what an earlier daemon left of uncommitted incoming migrations; once, before serving. */
    void removeLeftovers();

    /**
     * Starts a paused QEMU for {@code vm} waiting for the migration's channels and holds the VM's
     * name. On failure everything made so far is removed again and the name released.
     *
     * @param ttl how long the listener expects the channels
     */
    PreparedCopy prepare(UUID id, VirtualMachine vm, ControlRequest.Prepare request, Duration ttl) throws Exception;

    /** Whether a VM named {@code vm} runs here or will when this daemon resumes it (its commit passed). */
    boolean runsHere(String vm);

    /** One prepared copy of a VM, paused. */
    interface PreparedCopy {
        String name();

        /** Why it can no longer be committed (its QEMU exited, its stream broke); null while it can. */
        String lost();

        /**
         * Waits for QEMU to load the last of the stream, passes the commit point and resumes the guest.
         *
         * @return microseconds from the call to QEMU's {@code cont} answer
         * @throws Exception when the guest was not resumed; the caller then discards the copy
         */
        long commit() throws Exception;

        /** The guest runs: tells the network, takes the VM into supervision. Never throws. */
        void arrived();

        /** Removes the copy: every step runs whatever fails, and the VM's name is released. Never throws. */
        void discard(String why);
    }
}
