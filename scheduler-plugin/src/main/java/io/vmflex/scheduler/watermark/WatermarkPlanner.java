package io.vmflex.scheduler.watermark;

import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.core.VmView;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The watermark rule acted on: which migrations to create now, and where to. {@link WatermarkChoice}
 * says which VMs a node would shed; this adds what a cluster needs before moving any of them:
 *
 * <ul>
 *   <li><b>Migrations in flight</b> (any not ended, whoever made them) hold room on both nodes: the VM
 *       still runs on its source and its target keeps room for it. For the source's own pressure the
 *       VM counts as leaving (Neon's plugin: reserved minus migrating), so a node is not emptied twice
 *       for the same excess. A VM with a migration in flight is never chosen again.</li>
 *   <li><b>Over the watermark</b>, on CPU or memory, a node sheds its VMs labelled
 *       {@value WatermarkChoice#AUTO_MIGRATION_LABEL}, oldest first, until what remains is at or below
 *       it, skipping VMs whose last migration ended within the cooldown.</li>
 *   <li><b>Target</b>: never the source; a node the caller's {@link TargetFilter} allows, that reported
 *       its VMs, and that stays at or below <em>its own</em> watermark with the VM on it, so two full
 *       nodes never trade VMs back and forth; of those, the one with the most room left (lowest use
 *       fraction after the move, the larger of CPU and memory; ties by name). A VM no node can take is
 *       skipped and the next oldest tried.</li>
 *   <li><b>Per-node limit</b>: at most {@link WatermarkPolicy#maxMigrationsPerNode()} migrations touch
 *       one node at once, as source or target.</li>
 * </ul>
 * The most loaded nodes (largest fraction of their watermark) are served first, so they get first
 * pick of the targets. Pure and deterministic: the same inputs give the same plan; no clock but
 * {@code now}. Stateless and thread-safe.
 */
public final class WatermarkPlanner {

    private WatermarkPlanner() {
    }

    /** Where a VM someone asked to move (no target named) should go. */
    public sealed interface TargetChoice {
        record Chosen(String node) implements TargetChoice {
        }

        record None(String reason) implements TargetChoice {
        }
    }

    /**
     * The migrations to create now.
     *
     * @param nodes     the books (each VM at what it reserves), as {@code Accounts.nodes()} gives them
     * @param inFlight  migrations not ended
     * @param lastEnded per VM, when its last migration ended (succeeded or failed); absent if never
     */
    public static WatermarkPlan plan(List<NodeView> nodes, List<InFlight> inFlight, Map<String, Instant> lastEnded,
                                     Instant now, WatermarkPolicy policy, TargetFilter filter) {
        Books books = new Books(nodes, inFlight);
        List<NodeState> over = new ArrayList<>();
        for (NodeState n : books.nodes.values()) {
            if (n.over()) {
                over.add(n);
            }
        }
        over.sort(Comparator.comparingDouble(NodeState::loadOfWatermark).reversed().thenComparing(n -> n.view.name()));
        List<Move> moves = new ArrayList<>();
        List<WatermarkPlan.OverNode> stillOver = new ArrayList<>();
        Instant nextCheck = null;
        for (NodeState source : over) {
            List<VmView> candidates = new ArrayList<>();
            int labelled = 0;
            int cooling = 0;
            for (VmView vm : source.view.vms()) {
                if (!vm.autoMigration() || books.moving.contains(vm.vm())) {
                    continue;
                }
                labelled++;
                Instant ended = lastEnded.get(vm.vm());
                if (ended != null && now.isBefore(ended.plus(policy.cooldown()))) {
                    cooling++;
                    Instant free = ended.plus(policy.cooldown());
                    nextCheck = nextCheck == null || free.isBefore(nextCheck) ? free : nextCheck;
                    continue;
                }
                candidates.add(vm);
            }
            candidates.sort(WatermarkChoice.OLDEST_FIRST);
            String noTarget = null;
            for (VmView vm : candidates) {
                if (!source.over() || source.busy >= policy.maxMigrationsPerNode()) {
                    break;
                }
                NodeState target = bestTarget(books, vm, source, policy, filter);
                if (target == null) {
                    noTarget = noTarget == null ? vm.vm() : noTarget;
                    continue;
                }
                moves.add(new Move(vm.vm(), source.view.name(), target.view.name(), vm.reserved(),
                        source.view.name() + " reserves " + source.pressure().describe() + ", above its watermark "
                                + source.view.watermark().describe() + "; " + target.view.name()
                                + " has the most room and stays below its own"));
                source.leave(vm.reserved());
                source.busy++;
                target.arrive(vm.reserved());
                target.busy++;
                books.moving.add(vm.vm());
            }
            if (source.over()) {
                stillOver.add(new WatermarkPlan.OverNode(source.view.name(),
                        stuck(source, policy, labelled, cooling, noTarget)));
            } else {
                stillOver.add(new WatermarkPlan.OverNode(source.view.name(), null));
            }
        }
        return new WatermarkPlan(moves, stillOver, nextCheck);
    }

    /**
     * The target for a VM someone asked to move without naming one: not its node, allowed by
     * {@code filter}, reported, with free capacity for it (in-flight migrations counted); the most
     * room left wins. The watermark and the per-node limit do not apply: a person asked.
     */
    public static TargetChoice chooseTarget(List<NodeView> nodes, List<InFlight> inFlight, String vm, String source,
                                            TargetFilter filter) {
        Books books = new Books(nodes, inFlight);
        VmView view = books.vms.get(vm);
        if (view == null) {
            return new TargetChoice.None("VM " + vm + " is not booked on any node");
        }
        NodeState best = null;
        double bestUse = Double.MAX_VALUE;
        List<String> reasons = new ArrayList<>();
        for (NodeState n : books.nodes.values()) {
            if (n.view.name().equals(source)) {
                continue;
            }
            String why = filter.mismatch(vm, n.view.name());
            if (why == null && !n.view.synced()) {
                why = "not reported yet";
            }
            Amount after = n.reservedWith(view.reserved());
            if (why == null && !after.fitsIn(n.view.capacity())) {
                why = "not enough free CPU or memory";
            }
            if (why != null) {
                reasons.add(n.view.name() + ": " + why);
                continue;
            }
            double use = useFraction(after, n.view.capacity());
            if (use < bestUse) {
                best = n;
                bestUse = use;
            }
        }
        if (best == null) {
            return new TargetChoice.None("no node can take " + vm + " (" + view.reserved().describe() + ")"
                    + (reasons.isEmpty() ? ": no other node" : ": " + String.join("; ", reasons.subList(0, Math.min(5, reasons.size())))
                    + (reasons.size() > 5 ? "; and " + (reasons.size() - 5) + " more" : "")));
        }
        return new TargetChoice.Chosen(best.view.name());
    }

    private static NodeState bestTarget(Books books, VmView vm, NodeState source, WatermarkPolicy policy,
                                        TargetFilter filter) {
        NodeState best = null;
        double bestUse = Double.MAX_VALUE;
        for (NodeState n : books.nodes.values()) {
            if (n == source || !n.view.synced() || n.busy >= policy.maxMigrationsPerNode()) {
                continue;
            }
            Amount after = n.reservedWith(vm.reserved());
            if (!after.fitsIn(n.view.watermark()) || filter.mismatch(vm.vm(), n.view.name()) != null) {
                continue;
            }
            double use = useFraction(after, n.view.capacity());
            if (use < bestUse) {
                best = n;
                bestUse = use;
            }
        }
        return best;
    }

    private static String stuck(NodeState source, WatermarkPolicy policy, int labelled, int cooling, String noTarget) {
        String head = source.view.name() + " reserves " + source.pressure().describe() + ", above its watermark "
                + source.view.watermark().describe();
        if (source.busy >= policy.maxMigrationsPerNode()) {
            return head + "; " + source.busy + " migration(s) already touch it (limit " + policy.maxMigrationsPerNode() + ")";
        }
        if (noTarget != null) {
            return head + "; no node can take " + noTarget + " and stay below its own watermark";
        }
        if (labelled == 0) {
            return head + "; no VM may move (none is labelled " + WatermarkChoice.AUTO_MIGRATION_LABEL + "=true "
                    + "and free of a migration)";
        }
        if (cooling > 0) {
            return head + "; " + cooling + " VM(s) moved within the cooldown";
        }
        return head + "; its movable VMs are not enough";
    }

    /** The larger of the CPU and memory fractions of {@code capacity} that {@code a} uses. */
    private static double useFraction(Amount a, Amount capacity) {
        double cpu = capacity.cpuMillis() == 0 ? 1 : (double) a.cpuMillis() / capacity.cpuMillis();
        double mem = capacity.memBytes() == 0 ? 1 : (double) a.memBytes() / capacity.memBytes();
        return Math.max(cpu, mem);
    }

    /** The books with the migrations in flight applied; mutable while one plan is made. */
    private static final class Books {
        final Map<String, NodeState> nodes = new LinkedHashMap<>();
        final Map<String, VmView> vms = new HashMap<>();
        final Set<String> moving = new HashSet<>();

        Books(List<NodeView> views, List<InFlight> inFlight) {
            views.stream().sorted(Comparator.comparing(NodeView::name)).forEach(v -> nodes.put(v.name(), new NodeState(v)));
            for (NodeView v : views) {
                for (VmView vm : v.vms()) {
                    vms.put(vm.vm(), vm);
                }
            }
            for (InFlight f : inFlight) {
                moving.add(f.vm());
                NodeState source = nodes.get(f.source());
                NodeState target = f.target() == null || f.target().equals(f.source()) ? null : nodes.get(f.target());
                if (source != null) {
                    source.busy++;
                }
                if (target != null) {
                    target.busy++;
                }
                VmView vm = vms.get(f.vm());
                if (vm == null) {
                    continue;
                }
                if (source != null && vm.node().equals(f.source())) {
                    source.leave(vm.reserved());
                }
                // a VM already on its target (the migration ended, its object not yet) is booked there
                if (target != null && !vm.node().equals(f.target())) {
                    target.arrive(vm.reserved());
                }
            }
        }
    }

    /** One node while a plan is made: its books plus arrivals, minus departures for its own pressure. */
    private static final class NodeState {
        final NodeView view;
        long cpu;
        long mem;
        long leavingCpu;
        long leavingMem;
        int busy;

        NodeState(NodeView view) {
            this.view = view;
            this.cpu = view.reserved().cpuMillis();
            this.mem = view.reserved().memBytes();
        }

        void arrive(Amount a) {
            cpu += a.cpuMillis();
            mem += a.memBytes();
        }

        void leave(Amount a) {
            leavingCpu += a.cpuMillis();
            leavingMem += a.memBytes();
        }

        Amount reservedWith(Amount a) {
            return new Amount(cpu + a.cpuMillis(), mem + a.memBytes());
        }

        /** What stays once the VMs leaving have left. */
        Amount pressure() {
            return new Amount(Math.max(0, cpu - leavingCpu), Math.max(0, mem - leavingMem));
        }

        boolean over() {
            return !pressure().fitsIn(view.watermark());
        }

        double loadOfWatermark() {
            return useFraction(pressure(), view.watermark());
        }
    }
}
