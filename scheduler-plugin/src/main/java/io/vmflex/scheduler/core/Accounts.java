package io.vmflex.scheduler.core;

import io.vmflex.api.permit.ReportResult;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitOutcome;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.ResourceAmount;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The scheduler's books over all nodes: the pure core behind both fronts. No I/O, no clock, no
 * threads; every input is a method call, every effect is in the return value or in the books.
 * See the package documentation for the rules.
 *
 * <p>Not thread-safe: one owner calls it (the {@code Scheduler} facade serialises callers).
 */
public final class Accounts {

    private final SchedulerConfig config;
    private final Map<String, NodeAccount> nodes = new HashMap<>();
    private final Map<String, VmAccount> vms = new HashMap<>();

    public Accounts(SchedulerConfig config) {
        this.config = config;
    }

    public SchedulerConfig config() {
        return config;
    }

    /**
     * Books a node with its CPUs and memory (the host reserve comes off). A node new to this
     * scheduler starts unsynced: no increase and no admission on it until its first report. A node
     * already booked keeps its VMs and sync state and takes the new size.
     */
    public void addNode(String name, Amount total) {
        addNode(name, total, config.hostReserve());
    }

    /** As {@link #addNode(String, Amount)} with this node's own host reserve. */
    public void addNode(String name, Amount total, Amount hostReserve) {
        NodeAccount node = nodes.computeIfAbsent(name, NodeAccount::new);
        node.setCapacity(total.cpuMillis(), total.memBytes(), hostReserve.cpuMillis(), hostReserve.memBytes(),
                config.watermarkFraction());
    }

    /** Forgets a node and releases its VMs' reservations; returns the VMs it held. */
    public List<String> removeNode(String name) {
        NodeAccount node = nodes.remove(name);
        if (node == null) {
            return List.of();
        }
        List<String> released = new ArrayList<>(node.vms.keySet());
        for (String vm : released) {
            vms.remove(vm);
        }
        return released;
    }

    /**
     * Books a new VM on a node if its size at creation fits the node's free capacity; otherwise
     * refuses with one line and stores nothing. Admitting a VM that is already booked on the same
     * node changes nothing (a retried create does not reserve twice).
     */
    public Admission admit(AdmitRequest r) {
        NodeAccount node = nodes.get(r.node());
        if (node == null) {
            return new Admission.Refused("node " + r.node() + " is not known to the scheduler");
        }
        if (!node.synced) {
            return new Admission.Refused("node " + r.node() + " has not reported what it runs since the scheduler "
                    + "started; admission waits for its report");
        }
        VmAccount known = vms.get(r.vm());
        if (known != null) {
            return known.node == node
                    ? new Admission.Admitted(node.name, new Amount(known.reservedCpu, known.reservedMem))
                    : new Admission.Refused("VM " + r.vm() + " is already booked on node " + known.node.name);
        }
        if (!r.min().fitsIn(r.use()) || !r.use().fitsIn(r.max())) {
            return new Admission.Refused("VM " + r.vm() + " needs min ≤ use ≤ max, got min " + r.min().describe()
                    + ", use " + r.use().describe() + ", max " + r.max().describe());
        }
        Amount free = new Amount(node.freeCpu(), node.freeMem());
        if (!r.use().fitsIn(free)) {
            return new Admission.Refused("node " + node.name + " cannot fit VM " + r.vm() + ": it needs "
                    + r.use().describe() + " to start, the node has " + free.describe() + " free of "
                    + new Amount(node.capacityCpu, node.capacityMem).describe() + " after the host reserve");
        }
        VmAccount vm = new VmAccount(r.vm(), node, r.createdAt(), r.autoMigration());
        vm.maxCpu = r.max().cpuMillis();
        vm.maxMem = r.max().memBytes();
        vm.useCpu = vm.reservedCpu = r.use().cpuMillis();
        vm.useMem = vm.reservedMem = r.use().memBytes();
        node.add(vm);
        vms.put(vm.name, vm);
        return new Admission.Admitted(node.name, r.use());
    }

    /** Releases a deleted VM's reservation; false if it was not booked. */
    public boolean deleteVm(String name) {
        VmAccount vm = vms.remove(name);
        if (vm == null) {
            return false;
        }
        vm.node.remove(vm);
        return true;
    }

    /**
     * Decides a permit request; see {@link PermitDecider} for the rule. Before it: a request for a
     * VM or node the scheduler does not book, or on a node not yet synced, gets no increase (its
     * decreases are granted, nothing is booked); a retry of the last decided seq gets the same
     * answer; an older seq is stale.
     */
    public PermitResponse decide(PermitRequest r) {
        NodeAccount node = nodes.get(r.node());
        if (node == null) {
            return noIncrease(r, "node " + r.node() + " is not known to the scheduler");
        }
        if (!node.synced) {
            return noIncrease(r, "node " + r.node() + " has not reported what it runs since the scheduler started; "
                    + "increases wait for its report");
        }
        VmAccount vm = vms.get(r.vm());
        if (vm == null) {
            return noIncrease(r, "VM " + r.vm() + " is not booked by the scheduler (not admitted, not reported)");
        }
        if (vm.node != node) {
            return noIncrease(r, "VM " + r.vm() + " is booked on node " + vm.node.name + ", not " + r.node());
        }
        if (r.seq() == vm.lastSeq && r.equals(vm.lastRequest)) {
            return vm.lastResponse;
        }
        if (r.seq() <= vm.lastSeq) {
            String why = vm.lastRequest == null
                    ? "seq " + r.seq() + " is not newer than " + vm.lastSeq + ", the last answer " + vm.name
                    + "'s agent had when its node reported"
                    : r.seq() == vm.lastSeq
                    ? "seq " + r.seq() + " was already decided for " + vm.name + " with a different request"
                    : "seq " + r.seq() + " is older than " + vm.lastSeq + ", the last decided for " + vm.name;
            return PermitResponse.of(new ResourceAmount(vm.reservedCpu, vm.reservedMem), PermitOutcome.STALE, why);
        }
        ResourceAmount unit = r.unit();
        long unitCpu = unit != null ? unit.cpuMillis() : config.defaultUnit().cpuMillis();
        long unitMem = unit != null ? unit.memBytes() : config.defaultUnit().memBytes();
        PermitResponse response = PermitDecider.decide(node, vm, r, unitCpu, unitMem);
        vm.lastSeq = r.seq();
        vm.lastRequest = r;
        vm.lastResponse = response;
        return response;
    }

    private static PermitResponse noIncrease(PermitRequest r, String reason) {
        ResourceAmount current = r.current();
        ResourceAmount requested = r.requested();
        boolean askedMore = requested.cpuMillis() > current.cpuMillis() || requested.memBytes() > current.memBytes();
        ResourceAmount permit = new ResourceAmount(Math.min(current.cpuMillis(), requested.cpuMillis()),
                Math.min(current.memBytes(), requested.memBytes()));
        return PermitResponse.of(permit, askedMore ? PermitOutcome.DENIED : PermitOutcome.GRANTED,
                askedMore ? reason : null);
    }

    /**
     * Takes a node's report. The first report since the scheduler started rebuilds the node's books
     * from it (each VM at the larger of its use and the permit its agent holds, capped at its max)
     * and marks the node synced. Later reports only raise: a VM reported using more than booked is
     * booked at its use; VMs missing from the report or unknown to the books are listed, not
     * changed, because a report may be older than a decision, a deletion or an admission.
     *
     * @throws IllegalArgumentException if the node is not booked
     */
    public ReportResult report(NodeReport r) {
        NodeAccount node = nodes.get(r.node());
        if (node == null) {
            throw new IllegalArgumentException("node: " + r.node() + " is not known to the scheduler");
        }
        List<String> conflicts = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> overUse = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        boolean rebuilt = !node.synced;
        Set<String> listed = new HashSet<>();
        for (NodeReport.VmReport v : r.vms()) {
            listed.add(v.vm());
            VmAccount vm = vms.get(v.vm());
            if (vm != null && vm.node != node) {
                conflicts.add(v.vm());
            } else if (vm == null && rebuilt) {
                book(node, v);
            } else if (vm == null) {
                unknown.add(v.vm());
            } else if (raiseToUse(node, vm, v.use())) {
                overUse.add(v.vm());
            }
        }
        if (!rebuilt) {
            for (String name : node.vms.keySet()) {
                if (!listed.contains(name)) {
                    missing.add(name);
                }
            }
        }
        node.synced = true;
        boolean over = node.reservedCpu > node.capacityCpu || node.reservedMem > node.capacityMem;
        return new ReportResult(node.name, rebuilt, conflicts, unknown, missing, overUse, over);
    }

    /**
     * Books a VM that already runs on a synced node (bound there after the node reported, e.g. by
     * placement or a migration), at what it uses, even past capacity: it runs whether or not it fits.
     * A VM booked on another node is moved here first. Returns false, changing nothing, if the node
     * is unknown or not synced (its first report will book the VM) or the VM is already booked here.
     */
    public boolean bookRunning(String nodeName, NodeReport.VmReport v) {
        NodeAccount node = nodes.get(nodeName);
        if (node == null || !node.synced) {
            return false;
        }
        VmAccount known = vms.get(v.vm());
        if (known != null && known.node == node) {
            return false;
        }
        if (known != null) {
            deleteVm(v.vm());
        }
        book(node, v);
        return true;
    }

    private void book(NodeAccount node, NodeReport.VmReport v) {
        VmAccount vm = new VmAccount(v.vm(), node, v.createdAt(), v.autoMigration());
        vm.maxCpu = v.max().cpuMillis();
        vm.maxMem = v.max().memBytes();
        vm.useCpu = v.use().cpuMillis();
        vm.useMem = v.use().memBytes();
        ResourceAmount held = v.lastPermit() == null ? v.use() : v.lastPermit();
        vm.reservedCpu = Math.max(vm.useCpu, Math.min(held.cpuMillis(), vm.maxCpu));
        vm.reservedMem = Math.max(vm.useMem, Math.min(held.memBytes(), vm.maxMem));
        vm.lastSeq = v.lastSeq();
        node.add(vm);
        vms.put(vm.name, vm);
    }

    private static boolean raiseToUse(NodeAccount node, VmAccount vm, ResourceAmount use) {
        vm.useCpu = Math.max(vm.useCpu, use.cpuMillis());
        vm.useMem = Math.max(vm.useMem, use.memBytes());
        if (vm.useCpu <= vm.reservedCpu && vm.useMem <= vm.reservedMem) {
            return false;
        }
        node.adjust(vm, Math.max(vm.useCpu, vm.reservedCpu), Math.max(vm.useMem, vm.reservedMem));
        return true;
    }

    /** Whether every booked node has reported since the scheduler started. */
    public boolean allSynced() {
        for (NodeAccount node : nodes.values()) {
            if (!node.synced) {
                return false;
            }
        }
        return true;
    }

    public Optional<NodeView> node(String name) {
        NodeAccount node = nodes.get(name);
        return node == null ? Optional.empty() : Optional.of(view(node));
    }

    /** Every node, sorted by name. */
    public List<NodeView> nodes() {
        List<NodeView> all = new ArrayList<>(nodes.size());
        nodes.values().stream().sorted((a, b) -> a.name.compareTo(b.name)).forEach(n -> all.add(view(n)));
        return all;
    }

    public Optional<VmView> vm(String name) {
        VmAccount vm = vms.get(name);
        return vm == null ? Optional.empty() : Optional.of(view(vm));
    }

    private static NodeView view(NodeAccount n) {
        List<VmView> list = new ArrayList<>(n.vms.size());
        for (VmAccount vm : n.vms.values()) {
            list.add(view(vm));
        }
        return new NodeView(n.name, new Amount(n.totalCpu, n.totalMem), new Amount(n.capacityCpu, n.capacityMem),
                new Amount(n.watermarkCpu, n.watermarkMem), new Amount(n.reservedCpu, n.reservedMem), n.synced, list);
    }

    private static VmView view(VmAccount vm) {
        return new VmView(vm.name, vm.node.name, new Amount(vm.useCpu, vm.useMem),
                new Amount(vm.reservedCpu, vm.reservedMem), new Amount(vm.maxCpu, vm.maxMem), vm.createdAt,
                vm.autoMigration, vm.lastSeq);
    }
}
