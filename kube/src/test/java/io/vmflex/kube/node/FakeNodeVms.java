package io.vmflex.kube.node;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.api.vm.VmPhase;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A node daemon in memory for the controller's API-server tests: a VM "runs" as soon as it is
 * applied, with the vCPUs and memory its spec asks for. Records every call.
 */
public final class FakeNodeVms implements NodeVms {
    public final Map<String, VirtualMachine> vms = new ConcurrentHashMap<>();
    public final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<Consumer<NodeEvent>> listeners = new CopyOnWriteArrayList<>();
    /**
     * Runs inside get, which the controller calls after reading the object and before writing its
     * status: a test's way to change the object under the controller's feet.
     */
    volatile Runnable duringGet = () -> { };

    @Override
    public List<VirtualMachine> list() {
        return new ArrayList<>(vms.values());
    }

    @Override
    public Optional<VirtualMachine> get(String localName) {
        duringGet.run();
        return Optional.ofNullable(vms.get(localName));
    }

    @Override
    public Outcome apply(VirtualMachine desired) {
        boolean created = !vms.containsKey(desired.name());
        calls.add((created ? "create " : "update ") + desired.name() + " cpus " + desired.spec().guest().cpus().use());
        var g = desired.spec().guest();
        VirtualMachineStatus status = VirtualMachineStatus.ofPhase(VmPhase.Running).withCpus(g.cpus().use())
                .withMemorySize(ByteQuantity.ofBytes(g.memorySlotSize().bytes() * g.memorySlots().use()))
                .withRestartCount(0);
        vms.put(desired.name(), desired.withMetadata(desired.metadata().withResourceVersion(Long.toString(calls.size())))
                .withStatus(status));
        publish(false, desired.name(), created ? "Started" : "Scaled", "cpus " + g.cpus().use());
        return new Done();
    }

    @Override
    public Outcome delete(String localName) {
        calls.add("delete " + localName);
        vms.remove(localName);
        return new Done();
    }

    /** The daemon changed the VM by itself (a restart, a plug finished). */
    void observe(String localName, java.util.function.UnaryOperator<VirtualMachineStatus> change) {
        vms.computeIfPresent(localName, (n, vm) -> vm.withStatus(change.apply(vm.status())));
    }

    void publish(boolean warning, String vm, String reason, String message) {
        listeners.forEach(l -> l.accept(new NodeEvent(Instant.now(), warning, vm, reason, message)));
    }

    @Override
    public AutoCloseable onEvent(Consumer<NodeEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
