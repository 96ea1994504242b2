package io.vmflex.kube.watermark;

import io.vmflex.api.vm.VirtualMachineMigrationStatus.VmmPhase;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.kube.placement.ClusterSnapshot;
import io.vmflex.kube.placement.NodeInfo;
import io.vmflex.kube.placement.PlacementRound;
import io.vmflex.kube.placement.VmInfo;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.watermark.InFlight;
import io.vmflex.scheduler.watermark.Move;
import io.vmflex.scheduler.watermark.TargetFilter;
import io.vmflex.scheduler.watermark.WatermarkPlan;
import io.vmflex.scheduler.watermark.WatermarkPlanner;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One watermark round over a snapshot of the cluster and its VirtualMachineMigrations: the same books
 * as placement ({@link PlacementRound#books}), the rule of scheduler-plugin's {@link WatermarkPlanner}.
 * Pure: the same inputs give the same decisions.
 *
 * <ul>
 *   <li>A migration not ended (no phase, Pending, Running; also while being deleted) is in flight: its VM
 *       holds room on its source ({@code status.sourceNode}, else the VM's node) and on its target
 *       ({@code spec.targetNode}, else {@code status.targetNode}), and is never chosen again. The latest
 *       ended migration of a VM starts its cooldown.</li>
 *   <li>VMs that may move: labelled {@code autoscaling.neon.tech/auto-migration-enabled: "true"}, phase
 *       Running, not being deleted. Targets: the VM's {@code NodeRequirements} (Ready, not cordoned,
 *       nodeSelector, affinity, tolerations).</li>
 *   <li>A migration someone made with no target and no phase yet (or Pending) gets the node with the most
 *       room that fits its VM, or Failed with why none does; one whose VM is not bound yet waits.</li>
 *   <li>A VM counts at the larger of its object's use and what the permit books hold for it on the node it
 *       is bound to ({@link GrantedRoom}): an agent granted room patches the spec only afterwards, and in
 *       between its node is fuller than the objects say (as a source and as a target).</li>
 * </ul>
 */
public final class WatermarkRound {

    private WatermarkRound() {
    }

    /** The decisions and the plan they come from (for metrics and logs). */
    public record Result(List<WatermarkDecision> decisions, WatermarkPlan plan) {
    }

    /**
     * @param autoMigrating the keys of the VMs labelled for auto-migration
     * @param granted       the permit books' reservations by VM key (empty on a replica without books)
     */
    public static Result plan(ClusterSnapshot snapshot, Set<String> autoMigrating, List<MigrationInfo> migrations,
                              Map<String, GrantedRoom> granted, Instant now, WatermarkSettings settings) {
        snapshot = withGrants(snapshot, granted);
        Map<String, VmInfo> vms = new HashMap<>();
        for (VmInfo vm : snapshot.vms()) {
            vms.put(vm.key(), vm);
        }
        Map<String, NodeInfo> nodes = new HashMap<>();
        for (NodeInfo n : snapshot.nodes()) {
            nodes.put(n.name(), n);
        }
        List<NodeView> books = PlacementRound.books(snapshot, settings.watermark(),
                vm -> autoMigrating.contains(vm.key()) && !vm.deleting() && vm.phase() == VmPhase.Running).nodes();

        List<InFlight> inFlight = new ArrayList<>();
        Map<String, Instant> lastEnded = new HashMap<>();
        for (MigrationInfo m : migrations) {
            if (m.vmKey() == null) {
                continue;
            }
            if (m.ended()) {
                lastEnded.merge(m.vmKey(), m.endedAt(), (a, b) -> a.isAfter(b) ? a : b);
                continue;
            }
            VmInfo vm = vms.get(m.vmKey());
            String source = m.sourceNode() != null ? m.sourceNode() : vm == null ? null : vm.boundNode();
            if (source != null) {
                inFlight.add(new InFlight(m.vmKey(), source, m.target()));
            }
        }
        TargetFilter filter = (vmKey, node) -> {
            VmInfo vm = vms.get(vmKey);
            NodeInfo n = nodes.get(node);
            if (vm == null || n == null) {
                return "unknown";
            }
            return vm.problem() != null ? vm.problem() : vm.requirements().mismatch(n);
        };

        List<WatermarkDecision> decisions = new ArrayList<>();
        WatermarkPlan plan = settings.enabled()
                ? WatermarkPlanner.plan(books, inFlight, lastEnded, now, settings.policy(), filter)
                : new WatermarkPlan(List.of(), List.of(), null);
        for (Move move : plan.moves()) {
            decisions.add(new WatermarkDecision.Create(vms.get(move.vm()), move));
        }
        for (MigrationInfo m : migrations) {
            if (m.ended() || m.deleting() || m.target() != null || (m.phase() != null && m.phase() != VmmPhase.Pending)) {
                continue;
            }
            WatermarkDecision d = targetFor(m, vms, books, inFlight, filter);
            if (d != null) {
                decisions.add(d);
            }
        }
        return new Result(decisions, plan);
    }

    /** The snapshot with each bound VM's use raised to what the books hold for it on its node (up to its max). */
    static ClusterSnapshot withGrants(ClusterSnapshot snapshot, Map<String, GrantedRoom> granted) {
        if (granted.isEmpty()) {
            return snapshot;
        }
        List<VmInfo> vms = new ArrayList<>(snapshot.vms().size());
        for (VmInfo vm : snapshot.vms()) {
            GrantedRoom g = granted.get(vm.key());
            if (g == null || vm.boundNode() == null || !vm.boundNode().equals(g.node()) || vm.problem() != null) {
                vms.add(vm);
                continue;
            }
            Amount use = new Amount(
                    Math.max(vm.use().cpuMillis(), Math.min(g.reserved().cpuMillis(), vm.max().cpuMillis())),
                    Math.max(vm.use().memBytes(), Math.min(g.reserved().memBytes(), vm.max().memBytes())));
            vms.add(use.equals(vm.use()) ? vm : new VmInfo(vm.namespace(), vm.name(), vm.uid(), vm.resourceVersion(),
                    vm.createdAt(), vm.boundNode(), vm.schedulerName(), vm.deleting(), vm.finished(), vm.min(), use,
                    vm.max(), vm.requirements(), vm.problem(), vm.scheduled(), vm.phase()));
        }
        return new ClusterSnapshot(snapshot.nodes(), snapshot.podRequests(), vms, snapshot.incoming());
    }

    private static WatermarkDecision targetFor(MigrationInfo m, Map<String, VmInfo> vms, List<NodeView> books,
                                               List<InFlight> inFlight, TargetFilter filter) {
        if (m.vmKey() == null) {
            return new WatermarkDecision.Fail(m, "spec.vmName: required");
        }
        VmInfo vm = vms.get(m.vmKey());
        if (vm == null) {
            return new WatermarkDecision.Fail(m, "VirtualMachine " + m.vmKey() + " not found");
        }
        if (vm.finished()) {
            return new WatermarkDecision.Fail(m, "VirtualMachine " + m.vmKey() + " is " + vm.phase() + ": nothing to move");
        }
        if (vm.boundNode() == null || vm.deleting()) {
            return null;
        }
        return switch (WatermarkPlanner.chooseTarget(books, inFlight, m.vmKey(), vm.boundNode(), filter)) {
            case WatermarkPlanner.TargetChoice.Chosen(String node) -> new WatermarkDecision.AssignTarget(m, node);
            case WatermarkPlanner.TargetChoice.None(String reason) -> new WatermarkDecision.Fail(m, reason);
        };
    }
}
