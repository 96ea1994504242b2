package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.netbridge.VmNic;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.scaling.Observation;
import io.vmflex.vmm.store.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Objects;

/**
 * The VM as last published (spec plus status) and its copy on disk: turns observations into
 * {@code status}, reports phase changes, and writes {@code vm.json} only when something other
 * than the guest's every-second report changed.
 *
 * <p>Writes only on the supervisor's owner thread; {@link #vm} may be read from any thread.
 */
final class StatusWriter {
    // Logs under the supervisor's name: operators filter on it.
    private static final Logger LOG = LoggerFactory.getLogger(VmSupervisor.class);

    private final NodeContext node;
    private final StateStore store;
    private volatile VirtualMachine vm;
    private VirtualMachine persisted;

    StatusWriter(NodeContext node, StateStore store, VirtualMachine vm) {
        this.node = node;
        this.store = store;
        this.vm = vm;
    }

    /** The VM as last published; any thread. */
    VirtualMachine vm() {
        return vm;
    }

    private String name() {
        return vm.metadata().name();
    }

    /**
     * Takes the new spec and metadata, keeps the status, and writes it at once, as the next
     * {@code metadata.resourceVersion}: one more than the version stored now, so no two versions of
     * the VM share a number (the counter lives in {@code vm.json} and so survives a restart). Nothing
     * changes in memory when the write fails.
     */
    void replaceSpec(VirtualMachine updated) throws IOException {
        String version = Long.toString(resourceVersion(vm) + 1);
        VirtualMachine next = updated.withMetadata(updated.metadata().withResourceVersion(version)).withStatus(vm.status());
        VirtualMachine durable = StatusMapper.withGuest(next, null, null);
        store.saveVm(durable);
        vm = next;
        persisted = durable;
    }

    /** The stored version as a number; 0 for none (a VM stored before versions were kept). */
    static long resourceVersion(VirtualMachine vm) {
        String v = vm.metadata().resourceVersion();
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("VM " + vm.metadata().name() + " has a resourceVersion that is not a number: \"" + v + "\"");
        }
    }

    /**
     * Publishes what was observed, with the guest's view, when that changes {@code status};
     * persists it and reports a phase change.
     *
     * @param nic the VM's NIC, or null when it has none
     * @param health the guest kernel's incidents, as conditions
     */
    void publish(Observation observed, VmNic nic, GuestLink guest, GuestHealth health) {
        VirtualMachine updated = StatusMapper.withObservation(vm, observed, node.nodeName(), node.clock().instant(), nic,
                health);
        updated = guest.withGuestStatus(updated);
        if (!updated.equals(vm)) {
            VmPhase before = vm.status() == null ? null : vm.status().phase();
            vm = updated;
            // The guest's report changes every second; it is served from memory and not worth an
            // fsync: disk gets the status only when something else in it changed.
            persist();
            if (before != observed.phase()) {
                node.events().publish(VmEvent.normal(name(), "Phase", "phase " + before + " -> " + observed.phase()));
            }
        }
    }

    /**
     * Sets {@code status.migration} in memory. True when its phase or message changed, i.e. when
     * it is worth publishing and persisting (progress polls are not).
     */
    boolean recordMigration(MigrationStatus m) {
        MigrationStatus old = vm.status() == null ? null : vm.status().migration();
        vm = vm.withStatus((vm.status() == null ? VirtualMachineStatus.EMPTY : vm.status()).withMigration(m));
        return old == null || old.phase() != m.phase() || !Objects.equals(old.message(), m.message());
    }

    /** Writes the VM (without the guest's every-second report) when it differs from what is on disk. */
    void persist() {
        VirtualMachine durable = StatusMapper.withGuest(vm, null, null);
        if (!durable.equals(persisted)) {
            try {
                store.saveVm(durable);
                persisted = durable;
            } catch (IOException e) {
                LOG.error("vm={} cannot persist status: {}", name(), e.toString());
            }
        }
    }
}
