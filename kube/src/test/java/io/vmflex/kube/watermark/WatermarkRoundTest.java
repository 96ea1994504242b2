package io.vmflex.kube.watermark;

import io.vmflex.api.vm.VirtualMachineMigrationStatus.VmmPhase;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.kube.node.LocalName;
import io.vmflex.kube.node.ObjectKey;
import io.vmflex.kube.permit.SchedulerPermits;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.kube.placement.ClusterSnapshot;
import io.vmflex.kube.placement.NodeInfo;
import io.vmflex.kube.placement.NodeRequirements;
import io.vmflex.kube.placement.NodeTaint;
import io.vmflex.kube.placement.VmInfo;
import io.vmflex.kube.placement.VmNodeContract;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.watermark.WatermarkPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WatermarkRoundTest {

    private static final long GI = 1L << 30;
    private static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");
    private static final Instant NOW = T0.plusSeconds(3600);
    private static final WatermarkSettings SETTINGS = new WatermarkSettings(true, 0.9, new WatermarkPolicy(2, Duration.ofMinutes(5)));

    static NodeInfo node(String name) {
        return new NodeInfo(name, Map.of(), List.of(new NodeTaint(VmNodeContract.VM_NODE_TAINT, "true", "NoSchedule")), true,
                false, new Amount(10_000, 100 * GI));
    }

    static VmInfo vm(String name, String node, long cpu, int age, VmPhase phase) {
        return new VmInfo("ns", name, "uid-" + name, "1", T0.plusSeconds(age), node, VmNodeContract.SCHEDULER_NAME, false,
                false, new Amount(250, GI), new Amount(cpu, GI), new Amount(cpu, GI), NodeRequirements.NONE, null, null, phase);
    }

    static MigrationInfo migration(String name, String vm, String specTarget, String source, VmmPhase phase, Instant ended) {
        return new MigrationInfo("ns", name, "uid-" + name, "7", vm == null ? null : "ns/" + vm, specTarget, null, source, phase,
                T0, ended, false, false);
    }

    static List<String> describe(WatermarkRound.Result r) {
        List<String> out = new ArrayList<>();
        for (WatermarkDecision d : r.decisions()) {
            out.add(switch (d) {
                case WatermarkDecision.Create c -> "create " + c.vm().name() + ">" + c.move().target();
                case WatermarkDecision.AssignTarget t -> "target " + t.migration().name() + ">" + t.node();
                case WatermarkDecision.Fail f -> "fail " + f.migration().name() + ": " + f.message();
            });
        }
        return out;
    }

    /** a: 11 vCPUs (watermark 9); b: 2; c: 5. */
    static List<VmInfo> vms(VmPhase oldPhase) {
        return List.of(vm("old", "a", 1000, 0, oldPhase), vm("mid", "a", 1000, 1, VmPhase.Running),
                vm("young", "a", 1000, 2, VmPhase.Running), vm("fixed", "a", 8000, 3, VmPhase.Running),
                vm("on-b", "b", 2000, 0, VmPhase.Running), vm("on-c", "c", 5000, 0, VmPhase.Running));
    }

    static ClusterSnapshot snapshot(List<VmInfo> vms) {
        return new ClusterSnapshot(List.of(node("a"), node("b"), node("c")), Map.of(), vms);
    }

    static final Set<String> AUTO = Set.of("ns/old", "ns/mid", "ns/young");

    @Test
    void shouldMoveOnlyRunningVmsAndCountTheMigrationsTheApiHolds() {
        assertEquals(List.of("create old>b", "create mid>b"),
                describe(WatermarkRound.plan(snapshot(vms(VmPhase.Running)), AUTO, List.of(), Map.of(), NOW, SETTINGS)));
        // a VM not running (starting, or paused mid-migration) is not chosen
        assertEquals(List.of("create mid>b", "create young>b"),
                describe(WatermarkRound.plan(snapshot(vms(VmPhase.Pending)), AUTO, List.of(), Map.of(), NOW, SETTINGS)));
        // old already leaves (a person's migration to c): one more is enough, and c holds old's room
        assertEquals(List.of("create mid>b"), describe(WatermarkRound.plan(snapshot(vms(VmPhase.Running)), AUTO,
                List.of(migration("by-hand", "old", "c", null, VmmPhase.Running, null)), Map.of(), NOW, SETTINGS)));
        // old's last migration failed two minutes ago: cooldown
        assertEquals(List.of("create mid>b", "create young>b"), describe(WatermarkRound.plan(snapshot(vms(VmPhase.Running)),
                AUTO, List.of(migration("failed", "old", "c", "a", VmmPhase.Failed, NOW.minusSeconds(120))), Map.of(), NOW, SETTINGS)));
    }

    @Test
    void shouldAnswerMigrationsPeopleMadeWithoutATarget() {
        List<VmInfo> vms = new ArrayList<>(vms(VmPhase.Running));
        vms.add(vm("unbound", null, 1000, 9, VmPhase.Pending));
        var off = new WatermarkSettings(false, 0.9, WatermarkPolicy.DEFAULT);
        List<MigrationInfo> made = List.of(
                migration("move-on-b", "on-b", null, null, null, null),
                migration("move-gone", "gone", null, null, VmmPhase.Pending, null),
                migration("move-unbound", "unbound", null, null, null, null),
                migration("move-running", "on-c", null, "c", VmmPhase.Running, null),
                migration("no-vm-name", null, null, null, null, null));
        // watermark migrations off: only the answers; a running one and one whose VM waits get none
        assertEquals(List.of("target move-on-b>c", "fail move-gone: VirtualMachine ns/gone not found",
                "fail no-vm-name: spec.vmName: required"), describe(WatermarkRound.plan(snapshot(vms), AUTO, made, Map.of(), NOW, off)));
    }

    static VmInfo growable(String name, String node, long cpu, long maxCpu, int age) {
        return new VmInfo("ns", name, "uid-" + name, "1", T0.plusSeconds(age), node, VmNodeContract.SCHEDULER_NAME, false,
                false, new Amount(250, GI), new Amount(cpu, GI), new Amount(maxCpu, GI), NodeRequirements.NONE, null, null,
                VmPhase.Running);
    }

    static String local(String name) {
        return ((LocalName.Encoded.Name) LocalName.encode(new ObjectKey("ns", name))).value();
    }

    static NodeReport.VmReport report(VmInfo vm) {
        return new NodeReport.VmReport(local(vm.name()), new ResourceAmount(vm.use().cpuMillis(), vm.use().memBytes()),
                new ResourceAmount(vm.max().cpuMillis(), vm.max().memBytes()), null, 0, vm.createdAt(), true);
    }

    @Test
    void shouldCountRoomThePermitBooksGrantedBeforeTheSpecShowsIt() {
        // a: 8 vCPUs by the objects, under its watermark of 9; b: 2; c: 5
        VmInfo grows = growable("grows", "a", 1000, 4000, 0);
        VmInfo fixed = growable("fixed", "a", 7000, 7000, 1);
        VmInfo onB = growable("on-b", "b", 2000, 8000, 0);
        ClusterSnapshot snapshot = new ClusterSnapshot(List.of(node("a"), node("b"), node("c")), Map.of(),
                List.of(grows, fixed, onB, growable("on-c", "c", 5000, 5000, 0)));
        Set<String> auto = Set.of("ns/grows");
        assertEquals(List.of(), describe(WatermarkRound.plan(snapshot, auto, List.of(), Map.of(), NOW, SETTINGS)));

        // the leader's books: a's agent is granted 2 more vCPUs for grows, not patched into its spec yet
        Scheduler books = new Scheduler(SchedulerPermits.BOOKS);
        books.addNode("a", new Amount(10_000, 100 * GI));
        books.report(new NodeReport(PermitCodec.VERSION, "a", List.of(report(grows), report(fixed))));
        PermitResponse granted = books.requestPermit(PermitRequest.of(local("grows"), "a", 1, new ResourceAmount(1000, GI),
                new ResourceAmount(3000, GI), new ResourceAmount(250, GI)));
        assertEquals(new ResourceAmount(3000, GI), granted.permit());
        Map<String, GrantedRoom> grants = GrantedRoom.fromBooks(books.nodes());
        assertEquals(new GrantedRoom("a", new Amount(3000, GI)), grants.get("ns/grows"));

        // 10 vCPUs on a counting the grant: grows leaves, to b (the most room)
        assertEquals(List.of("create grows>b"), describe(WatermarkRound.plan(snapshot, auto, List.of(), grants, NOW, SETTINGS)));
        // b's agent was granted 6 vCPUs more for on-b: b has less room than c now
        Map<String, GrantedRoom> both = new HashMap<>(grants);
        both.put("ns/on-b", new GrantedRoom("b", new Amount(8000, GI)));
        assertEquals(List.of("create grows>c"), describe(WatermarkRound.plan(snapshot, auto, List.of(), both, NOW, SETTINGS)));
        // room the books hold on another node than the VM's binding (it moved since) does not count
        assertEquals(List.of(), describe(WatermarkRound.plan(snapshot, auto, List.of(),
                Map.of("ns/grows", new GrantedRoom("b", new Amount(4000, GI))), NOW, SETTINGS)));
    }
}
