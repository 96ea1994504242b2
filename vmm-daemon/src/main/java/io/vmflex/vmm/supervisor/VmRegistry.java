package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.store.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The VMs of this node by name, each with its supervisor. Creating and deleting are serialised so
 * two requests for one name cannot both win.
 *
 * <p>Thread-safe.
 */
public final class VmRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(VmRegistry.class);

    private final NodeContext node;
    private final StateStore store;
    private final RecoveryHook onRecovery;
    private final ConcurrentHashMap<String, VmSupervisor> vms = new ConcurrentHashMap<>();
    /**
     * Names held for VMs a migration is bringing here (prepared, not committed), with the migration's
     * id: QEMU already runs in the VM's folder, so no VM of that name may be created meanwhile.
     * Guarded by this.
     */
    private final Map<String, UUID> arriving = new HashMap<>();

    /** @param onRecovery runs for every VM taken over from the state dir or from an arriving migration */
    public VmRegistry(NodeContext node, StateStore store, RecoveryHook onRecovery) {
        this.node = node;
        this.store = store;
        this.onRecovery = onRecovery;
    }

    /** Re-adopts (or restarts per policy) every VM the state dir holds. */
    public void recover() throws IOException {
        for (StateStore.Stored s : store.loadAll()) {
            String name = s.vm().metadata().name();
            LOG.info("vm={} found in state dir (QEMU pid {})", name, s.runtime() == null ? "none" : s.runtime().pid());
            vms.put(name, VmSupervisor.recover(node, store, s.vm(), s.runtime(), onRecovery));
        }
    }

    public Optional<VmSupervisor> get(String name) {
        return Optional.ofNullable(vms.get(name));
    }

    public List<VirtualMachine> list() {
        return vms.values().stream().map(VmSupervisor::snapshot)
                .sorted(Comparator.comparing(v -> v.metadata().name())).toList();
    }

    public java.util.Set<String> names() {
        return java.util.Set.copyOf(vms.keySet());
    }

    public int size() {
        return vms.size();
    }

    /** What {@link #create} did. */
    public enum Creation {
        CREATED,
        /** a VM of that name is here already */
        EXISTS,
        /** a migration is bringing a VM of that name here */
        ARRIVING
    }

    public synchronized Creation create(VirtualMachine vm) throws IOException {
        String name = vm.metadata().name();
        if (vms.containsKey(name)) {
            return Creation.EXISTS;
        }
        if (arriving.containsKey(name)) {
            return Creation.ARRIVING;
        }
        vms.put(name, VmSupervisor.create(node, store, vm));
        return Creation.CREATED;
    }

    /**
     * Holds {@code name} for the VM migration {@code migration} brings here, replacing an older
     * hold (the caller dropped that migration).
     *
     * @return false when a VM of that name is here
     */
    public synchronized boolean expectArrival(String name, UUID migration) {
        if (vms.containsKey(name)) {
            return false;
        }
        arriving.put(name, migration);
        return true;
    }

    /** Lets go of the hold of {@link #expectArrival}, if {@code migration} still has it. */
    public synchronized void arrivalCancelled(String name, UUID migration) {
        arriving.remove(name, migration);
    }

    /** Whether {@code name} is held for a VM a migration brings here ({@link #expectArrival}). */
    public synchronized boolean arrivalExpected(String name) {
        return arriving.containsKey(name);
    }

    public synchronized CompletableFuture<VirtualMachine> delete(String name) {
        VmSupervisor s = vms.get(name);
        if (s == null) {
            return null;
        }
        return s.delete().whenComplete((v, e) -> vms.remove(name, s));
    }

    /**
     * A VM that arrived by live migration and runs here ({@code vm.json} and {@code runtime.json}
     * written): its supervisor re-adopts its QEMU as at daemon start. Made only when the name is
     * free; ends the hold of {@link #expectArrival}.
     *
     * <p>The recovery (re-adopting QEMU, the {@link RecoveryHook}) may take many seconds; it runs
     * without this registry's lock, so creates, deletes and lookups of other VMs go on meanwhile.
     * The name stays held for the arriving VM until it is in the registry.
     */
    public void adopt(VirtualMachine vm, QemuRuntime runtime) throws IOException {
        String name = vm.metadata().name();
        // A hold of the adoption's own, which a late arrivalCancelled of the migration cannot drop.
        UUID adoption = UUID.randomUUID();
        synchronized (this) {
            if (vms.containsKey(name)) {
                throw new IllegalStateException("a VM named \"" + name + "\" exists already");
            }
            arriving.put(name, adoption);
        }
        VmSupervisor s;
        try {
            s = VmSupervisor.recover(node, store, vm, runtime, onRecovery);
        } catch (IOException | RuntimeException e) {
            arrivalCancelled(name, adoption);
            throw e;
        }
        synchronized (this) {
            vms.put(name, s);
            arriving.remove(name, adoption);
        }
    }

    /** Migrates the VM away; it leaves this registry only if the target took it over. */
    public CompletableFuture<Boolean> migrateOut(String name, Departure migration) {
        VmSupervisor s = vms.get(name);
        if (s == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no VM named \"" + name + "\""));
        }
        return s.migrateOut(migration).whenComplete((moved, e) -> {
            if (Boolean.TRUE.equals(moved)) {
                vms.remove(name, s);
            }
        });
    }

    /**
     * Daemon shutdown: lets go of every VM, leaving QEMU running. All at once: a VM whose migration
     * rolls back may take {@link Departure#CANCEL_GRACE}, which must not add up over VMs.
     */
    public void detachAll() {
        Collection<VmSupervisor> all = List.copyOf(vms.values());
        try (ExecutorService detaching = Executors.newVirtualThreadPerTaskExecutor()) {
            all.forEach(s -> detaching.execute(s::detach));
        }
        vms.clear();
    }
}
