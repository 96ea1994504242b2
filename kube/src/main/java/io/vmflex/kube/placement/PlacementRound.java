package io.vmflex.kube.placement;

import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.scheduler.core.Accounts;
import io.vmflex.scheduler.core.Admission;
import io.vmflex.scheduler.core.AdmitRequest;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.core.SchedulerConfig;
import io.vmflex.scheduler.placement.Placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One placement round over a snapshot of the cluster: the standalone scheduler's books and placement
 * ({@link Accounts}, {@link Placement}) fed from Kubernetes objects. Pure: the same snapshot gives the
 * same decisions.
 *
 * <ol>
 *   <li>Books: each VM node's capacity is its allocatable minus what its pods request (passed as the
 *       node's host reserve, so nothing else is reserved for the host: allocatable already leaves
 *       the kubelet's and the system's share out); each bound VM is booked on its node at
 *       {@link VmInfo#use()} through the node's report, which books whatever runs, even past capacity.</li>
 *   <li>Pending VMs (no node label, our scheduler name, not being deleted), oldest first: Filter the
 *       nodes by the VM's {@link NodeRequirements}, then Placement's Filter and Score on free capacity;
 *       the winner is booked (admission) before the next VM is placed, so one round never overbooks.</li>
 *   <li>A VM that fits nowhere gets a one-line reason with a per-node summary; it is decided only when
 *       its {@code Scheduled} condition does not already say exactly that (status written only on change).</li>
 * </ol>
 *
 * <p>What a VM holds: its {@code use}, not its {@code max}. Neon's scheduler plugin does the same: a VM
 * reserves what the scheduler last approved for its agent, or its {@code use} before any approval
 * (neondatabase/autoscaling, pkg/plugin/state/pod.go), and growth past that goes through permits,
 * which are refused when the node is full. Reserving {@code max} would leave nodes mostly empty since
 * autoscaled VMs sit far below their maximum most of the time.
 */
public final class PlacementRound {

    /** Suffix of the key under which a migrating VM is booked on its target. */
    public static final String INCOMING = ".migrating-in";

    private PlacementRound() {
    }

    /** Which VMs this scheduler places. */
    public record Policy(boolean scheduleUnnamed) {
        boolean places(VmInfo vm) {
            String name = vm.schedulerName();
            return VmNodeContract.SCHEDULER_NAME.equals(name) || (scheduleUnnamed && (name == null || name.isEmpty()));
        }
    }

    public static List<Decision> plan(ClusterSnapshot snapshot, Policy policy) {
        Map<String, NodeInfo> nodes = byName(snapshot);
        Accounts accounts = books(snapshot, SchedulerConfig.DEFAULT_WATERMARK, vm -> false);

        Map<String, NodeView> views = new HashMap<>();
        for (NodeView v : accounts.nodes()) {
            views.put(v.name(), v);
        }
        List<VmInfo> pending = snapshot.vms().stream()
                .filter(vm -> vm.boundNode() == null && !vm.deleting() && !vm.finished() && policy.places(vm))
                .sorted(Comparator.comparing(VmInfo::createdAt).thenComparing(VmInfo::key))
                .toList();
        List<Decision> decisions = new ArrayList<>();
        for (VmInfo vm : pending) {
            Decision d = place(vm, nodes, views, accounts);
            if (d instanceof Decision.MarkUnschedulable u && alreadySays(vm, u.message())) {
                continue;
            }
            decisions.add(d);
        }
        return decisions;
    }

    /**
     * The books of a snapshot (step 1 above), shared with the watermark migrations: every VM node at its
     * allocatable less its pods' requests, every bound VM at {@link VmInfo#use()} (and again on the target of
     * its migration in flight, {@link ClusterSnapshot#incoming()}, under its key plus {@link #INCOMING}), with
     * {@code watermark} as the nodes' watermark fraction and {@code autoMigration} telling which VMs may
     * be moved.
     */
    public static Accounts books(ClusterSnapshot snapshot, double watermark, Predicate<VmInfo> autoMigration) {
        Accounts accounts = new Accounts(new SchedulerConfig(Amount.ZERO, watermark, SchedulerConfig.NEON_UNIT));
        Map<String, NodeInfo> nodes = byName(snapshot);
        for (NodeInfo node : nodes.values()) {
            accounts.addNode(node.name(), node.allocatable(), snapshot.podRequests().getOrDefault(node.name(), Amount.ZERO));
        }
        bookBound(accounts, nodes, snapshot.vms(), snapshot.incoming(), autoMigration);
        return accounts;
    }

    private static Map<String, NodeInfo> byName(ClusterSnapshot snapshot) {
        Map<String, NodeInfo> nodes = new LinkedHashMap<>();
        snapshot.nodes().stream().sorted(Comparator.comparing(NodeInfo::name)).forEach(n -> nodes.put(n.name(), n));
        return nodes;
    }

    private static void bookBound(Accounts accounts, Map<String, NodeInfo> nodes, List<VmInfo> vms,
                                  Map<String, String> incoming, Predicate<VmInfo> autoMigration) {
        Map<String, List<NodeReport.VmReport>> byNode = new HashMap<>();
        for (String node : nodes.keySet()) {
            byNode.put(node, new ArrayList<>());
        }
        for (VmInfo vm : vms) {
            // a VM bound to a node that is not (or no longer) a VM node holds nothing we can place on
            if (vm.boundNode() == null || vm.finished() || !byNode.containsKey(vm.boundNode())) {
                continue;
            }
            byNode.get(vm.boundNode()).add(new NodeReport.VmReport(vm.key(), wire(vm.use()), wire(atLeast(vm.max(), vm.use())), null, 0,
                    vm.createdAt(), autoMigration.test(vm)));
            // a migration in flight holds the VM's room on its target too, under a key of its own
            String target = incoming.get(vm.key());
            if (target != null && !target.equals(vm.boundNode()) && byNode.containsKey(target)) {
                byNode.get(target).add(new NodeReport.VmReport(vm.key() + INCOMING, wire(vm.use()),
                        wire(atLeast(vm.max(), vm.use())), null, 0, vm.createdAt(), false));
            }
        }
        for (Map.Entry<String, List<NodeReport.VmReport>> e : byNode.entrySet()) {
            accounts.report(new NodeReport(PermitCodec.VERSION, e.getKey(), e.getValue()));
        }
    }

    private static Decision place(VmInfo vm, Map<String, NodeInfo> nodes, Map<String, NodeView> views, Accounts accounts) {
        if (vm.problem() != null) {
            return new Decision.MarkUnschedulable(vm, vm.problem());
        }
        List<NodeView> candidates = new ArrayList<>();
        List<UnschedulableMessage.NodeReason> reasons = new ArrayList<>();
        for (NodeInfo node : nodes.values()) {
            String mismatch = vm.requirements().mismatch(node);
            if (mismatch != null) {
                reasons.add(new UnschedulableMessage.NodeReason(node.name(), mismatch, mismatch));
            } else {
                candidates.add(views.get(node.name()));
            }
        }
        if (Placement.place(candidates, vm.use()) instanceof Placement.Result.Placed(String node, int score)) {
            Admission admission = accounts.admit(new AdmitRequest(node, vm.key(), vm.min(), vm.use(), vm.max(),
                    vm.createdAt(), false));
            if (admission instanceof Admission.Refused(String reason)) {
                return new Decision.MarkUnschedulable(vm, reason);
            }
            views.put(node, accounts.node(node).orElseThrow());
            return new Decision.Bind(vm, node, score);
        }
        for (NodeView view : candidates) {
            String why = Placement.filter(view, vm.use());
            reasons.add(new UnschedulableMessage.NodeReason(view.name(), "not enough free CPU or memory", why));
        }
        return new Decision.MarkUnschedulable(vm, UnschedulableMessage.of(vm.use(), nodes.size(), reasons));
    }

    private static boolean alreadySays(VmInfo vm, String message) {
        var c = vm.scheduled();
        return c != null && "False".equals(c.status()) && VmNodeContract.REASON_UNSCHEDULABLE.equals(c.reason())
                && message.equals(c.message()) && vm.phase() == io.vmflex.api.vm.VmPhase.Pending;
    }

    private static Amount atLeast(Amount a, Amount floor) {
        return new Amount(Math.max(a.cpuMillis(), floor.cpuMillis()), Math.max(a.memBytes(), floor.memBytes()));
    }

    /** The permit protocol's bounded amount; a VM past its bounds is booked at the bound. */
    private static ResourceAmount wire(Amount a) {
        return new ResourceAmount(Math.min(a.cpuMillis(), ResourceAmount.MAX_CPU_MILLIS),
                Math.min(a.memBytes(), ResourceAmount.MAX_MEM_BYTES));
    }
}
