package io.vmflex.scheduler.core;

import io.vmflex.api.permit.ReportResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitOutcome;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.ResourceAmount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random create / permit / apply / release / retry / stale / lost-answer / delete / restart /
 * node-removal operations over 1,000 nodes, against a model of well-behaved agents. After every
 * operation, on the node it touched:
 * <ul>
 *   <li>the scheduler's reserved never exceeds capacity;</li>
 *   <li>what the agents may use (each VM's max of use and held permit) never exceeds capacity: no
 *       capacity is granted twice, across restarts and lost answers too;</li>
 *   <li>on a synced node, the scheduler books every VM at least at what its agent may use, and the
 *       node's reserved is the sum of its VMs'.</li>
 * </ul>
 * The normal suite runs {@value #DEFAULT_OPS} operations (one to a few seconds, by how busy the
 * machine is). The big run, 3,000,000 operations in about 30 s:
 * {@code ./mvnw -q -pl scheduler-plugin -am verify -DexcludedGroups=qemu -Dtest=AccountsPropertyTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dscheduler.property.ops=3000000} (any
 * {@code -Dscheduler.property.seed=N} replays a run).
 */
class AccountsPropertyTest {

    static final int DEFAULT_OPS = 100_000;
    static final int NODES = 1000;
    static final long GIB = 1L << 30;
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final ResourceAmount[] UNITS = {null, new ResourceAmount(250, GIB), new ResourceAmount(500, 2 * GIB),
            new ResourceAmount(1000, 4 * GIB)};
    static final SchedulerConfig CONFIG = new SchedulerConfig(new Amount(500, GIB), 0.9, SchedulerConfig.NEON_UNIT);

    /** A VM as its agent sees it. */
    static final class SimVm {
        final String name;
        final String node;
        final ResourceAmount unit;
        final long unitCpu;
        final long unitMem;
        final long maxCpu;
        final long maxMem;
        final Instant createdAt;
        final boolean auto;
        long useCpu;
        long useMem;
        /** The permit the agent holds: it never lets the VM use more. */
        long heldCpu;
        long heldMem;
        long nextSeq;
        long lastReceivedSeq;
        PermitRequest lastSent;

        SimVm(String name, String node, ResourceAmount unit, long maxCpu, long maxMem, long useCpu, long useMem,
              Instant createdAt, boolean auto, long firstSeq) {
            this.name = name;
            this.node = node;
            this.unit = unit;
            this.unitCpu = unit == null ? CONFIG.defaultUnit().cpuMillis() : unit.cpuMillis();
            this.unitMem = unit == null ? CONFIG.defaultUnit().memBytes() : unit.memBytes();
            this.maxCpu = maxCpu;
            this.maxMem = maxMem;
            this.useCpu = this.heldCpu = useCpu;
            this.useMem = this.heldMem = useMem;
            this.createdAt = createdAt;
            this.auto = auto;
            this.nextSeq = firstSeq;
        }
    }

    final Random random;
    final long seed;
    final String[] nodeNames = new String[NODES];
    final Amount[] nodeTotals = new Amount[NODES];
    final Map<String, List<SimVm>> byNode = new HashMap<>();
    final List<SimVm> all = new ArrayList<>();
    final Map<String, Integer> indexOf = new HashMap<>();
    final Map<PermitOutcome, Long> outcomes = new EnumMap<>(PermitOutcome.class);
    Accounts accounts;
    long vmCounter;
    int restarts;
    int refusedAdmissions;
    int lostAnswers;

    AccountsPropertyTest() {
        seed = Long.getLong("scheduler.property.seed", 20261206L);
        random = new Random(seed);
    }

    @Test
    void shouldNeverReserveBeyondCapacityNorGrantTwiceUnderRandomOperations() {
        long ops = Long.getLong("scheduler.property.ops", DEFAULT_OPS);
        for (int i = 0; i < NODES; i++) {
            nodeNames[i] = "node-" + i;
            // 1 to 16 vCPUs and 4 to 64 GiB: small enough that nodes fill up and grants get cut.
            nodeTotals[i] = new Amount(1000L * (1 + random.nextInt(16)), GIB * (4 + random.nextInt(61)));
            byNode.put(nodeNames[i], new ArrayList<>());
        }
        restart(1.0);
        for (long op = 0; op < ops; op++) {
            String touched;
            try {
                touched = step();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", operation " + op + ": " + e.getMessage(), e);
            }
            if (touched != null) {
                check(touched, op);
            }
            if (op % 50_000 == 0) {
                for (String node : nodeNames) {
                    check(node, op);
                }
            }
        }
        for (String node : nodeNames) {
            check(node, ops);
        }
        System.out.printf("property run: seed %d, %d ops, %d VMs alive, %d restarts, %d admissions refused, "
                        + "%d answers lost, outcomes %s%n", seed, ops, all.size(), restarts, refusedAdmissions,
                lostAnswers, outcomes);
        assertTrue(outcomes.getOrDefault(PermitOutcome.PARTIAL, 0L) > 0, "the run exercised partial grants");
        assertTrue(outcomes.getOrDefault(PermitOutcome.DENIED, 0L) > 0, "the run exercised denials");
        assertTrue(outcomes.getOrDefault(PermitOutcome.STALE, 0L) > 0, "the run exercised stale requests");
        assertTrue(refusedAdmissions > 0, "the run exercised refused admissions");
    }

    /** One random operation; returns the node it touched, or null. */
    String step() {
        int dice = random.nextInt(1000);
        if (dice < 2 && random.nextInt(100) == 0) {
            restart(random.nextDouble());
            return null;
        }
        if (dice < 3 && random.nextInt(20) == 0) {
            return removeAndReAddNode(nodeNames[random.nextInt(NODES)]);
        }
        if (dice < 120 || all.isEmpty()) {
            return create();
        }
        SimVm vm = all.get(random.nextInt(all.size()));
        if (dice < 200) {
            reportIfUnsynced(vm.node);
        }
        if (dice < 480) {
            return increase(vm);
        }
        if (dice < 680) {
            return apply(vm);
        }
        if (dice < 860) {
            return release(vm);
        }
        if (dice < 920) {
            return retry(vm);
        }
        if (dice < 950) {
            return stale(vm);
        }
        return delete(vm);
    }

    String create() {
        int n = random.nextInt(NODES);
        String node = nodeNames[n];
        ResourceAmount unit = UNITS[random.nextInt(UNITS.length)];
        long uc = unit == null ? 250 : unit.cpuMillis();
        long um = unit == null ? GIB : unit.memBytes();
        int useUnits = 1 + random.nextInt(4);
        int maxUnits = useUnits + random.nextInt(16);
        String name = "vm-" + (vmCounter++);
        Instant createdAt = T0.plusSeconds(vmCounter);
        boolean auto = random.nextBoolean();
        Amount use = new Amount(useUnits * uc, useUnits * um);
        Amount before = accounts.node(node).orElseThrow().reserved();
        Admission a = accounts.admit(new AdmitRequest(node, name, use, use, new Amount(maxUnits * uc, maxUnits * um),
                createdAt, auto));
        switch (a) {
            case Admission.Admitted ok -> {
                assertEquals(use, ok.reserved());
                SimVm vm = new SimVm(name, node, unit, maxUnits * uc, maxUnits * um, use.cpuMillis(), use.memBytes(),
                        createdAt, auto, 1 + random.nextInt(1000));
                add(vm);
            }
            case Admission.Refused refused -> {
                refusedAdmissions++;
                assertTrue(accounts.vm(name).isEmpty(), "refused VM booked: " + refused.reason());
                assertEquals(before, accounts.node(node).orElseThrow().reserved(), "refusal changed the books");
            }
        }
        return node;
    }

    String increase(SimVm vm) {
        // Sometimes past the VM's maximum, to exercise the cap.
        int more = 1 + random.nextInt(8);
        long wantCpu = Math.max(vm.useCpu, vm.heldCpu) + (random.nextBoolean() ? more * vm.unitCpu : 0);
        long wantMem = Math.max(vm.useMem, vm.heldMem) + (random.nextBoolean() ? more * vm.unitMem : 0);
        send(vm, Math.min(wantCpu, vm.maxCpu + vm.unitCpu), Math.min(wantMem, vm.maxMem + vm.unitMem));
        return vm.node;
    }

    String apply(SimVm vm) {
        vm.useCpu = random.nextBoolean() ? vm.heldCpu : vm.useCpu + (vm.heldCpu - vm.useCpu) / 2;
        vm.useMem = random.nextBoolean() ? vm.heldMem : vm.useMem + (vm.heldMem - vm.useMem) / 2;
        return vm.node;
    }

    String release(SimVm vm) {
        // Downscale order: the monitor said yes, the agent applied, now it tells the scheduler.
        vm.useCpu = Math.max(vm.unitCpu, vm.useCpu - vm.unitCpu * random.nextInt(3));
        vm.useMem = Math.max(vm.unitMem, vm.useMem - vm.unitMem * random.nextInt(3));
        vm.useCpu = Math.min(vm.useCpu, vm.heldCpu);
        vm.useMem = Math.min(vm.useMem, vm.heldMem);
        PermitResponse r = send(vm, vm.useCpu, vm.useMem);
        if (r != null && r.outcome() != PermitOutcome.STALE) {
            assertTrue(r.outcome() == PermitOutcome.RELEASED || r.outcome() == PermitOutcome.GRANTED,
                    "a decrease was not granted: " + r);
            assertEquals(new ResourceAmount(vm.useCpu, vm.useMem), r.permit(), "a decrease was not granted as asked");
        }
        return vm.node;
    }

    String retry(SimVm vm) {
        if (vm.lastSent == null) {
            return null;
        }
        PermitRequest again = vm.lastSent;
        takeOn(vm, again);
        Amount before = accounts.node(vm.node).orElseThrow().reserved();
        PermitResponse r = accounts.decide(again);
        count(r);
        if (vm.lastReceivedSeq == again.seq()) {
            // The agent got the first answer: the retry must not move the books.
            assertEquals(before, accounts.node(vm.node).orElseThrow().reserved(), "a retry reserved again");
        }
        receive(vm, again, r);
        return vm.node;
    }

    String stale(SimVm vm) {
        if (vm.lastReceivedSeq < 2) {
            return null;
        }
        // A request from long ago (seq 1) arriving now, asking for everything.
        PermitRequest old = new PermitRequest(1, vm.name, vm.node, 1, new ResourceAmount(vm.useCpu, vm.useMem),
                new ResourceAmount(vm.maxCpu, vm.maxMem), vm.unit, null, null);
        Amount before = accounts.node(vm.node).orElseThrow().reserved();
        boolean synced = accounts.node(vm.node).orElseThrow().synced();
        PermitResponse r = accounts.decide(old);
        count(r);
        if (synced) {
            assertEquals(PermitOutcome.STALE, r.outcome(), "an old seq was decided");
        }
        assertEquals(before, accounts.node(vm.node).orElseThrow().reserved(), "an old seq changed the books");
        return vm.node;
    }

    String delete(SimVm vm) {
        boolean synced = accounts.node(vm.node).orElseThrow().synced();
        boolean booked = accounts.deleteVm(vm.name);
        if (synced) {
            assertTrue(booked, vm.name + " was not booked on synced " + vm.node);
        }
        remove(vm);
        return vm.node;
    }

    String removeAndReAddNode(String node) {
        accounts.removeNode(node);
        for (SimVm vm : List.copyOf(byNode.get(node))) {
            remove(vm);
        }
        int n = Integer.parseInt(node.substring("node-".length()));
        accounts.addNode(node, nodeTotals[n]);
        accounts.report(new NodeReport(1, node, List.of()));
        return node;
    }

    /** A fresh scheduler; each node reports now with probability {@code reportNow}, the rest later. */
    void restart(double reportNow) {
        restarts++;
        accounts = new Accounts(CONFIG);
        for (int i = 0; i < NODES; i++) {
            accounts.addNode(nodeNames[i], nodeTotals[i]);
        }
        for (String node : nodeNames) {
            if (random.nextDouble() < reportNow) {
                reportIfUnsynced(node);
            }
        }
    }

    void reportIfUnsynced(String node) {
        if (accounts.node(node).orElseThrow().synced()) {
            return;
        }
        List<NodeReport.VmReport> vms = new ArrayList<>();
        for (SimVm vm : byNode.get(node)) {
            vms.add(new NodeReport.VmReport(vm.name, new ResourceAmount(vm.useCpu, vm.useMem),
                    new ResourceAmount(vm.maxCpu, vm.maxMem), new ResourceAmount(vm.heldCpu, vm.heldMem),
                    vm.lastReceivedSeq, vm.createdAt, vm.auto));
        }
        ReportResult result = accounts.report(new NodeReport(1, node, vms));
        assertTrue(result.rebuilt() && result.conflicts().isEmpty() && !result.overCapacity(), "report: " + result);
    }

    /** Sends a new request; the answer is lost now and then. */
    PermitResponse send(SimVm vm, long wantCpu, long wantMem) {
        PermitRequest r = new PermitRequest(1, vm.name, vm.node, vm.nextSeq++, new ResourceAmount(vm.useCpu, vm.useMem),
                new ResourceAmount(wantCpu, wantMem), vm.unit, new ResourceAmount(vm.heldCpu, vm.heldMem), null);
        vm.lastSent = r;
        takeOn(vm, r);
        boolean synced = accounts.node(vm.node).orElseThrow().synced();
        PermitResponse response = accounts.decide(r);
        count(response);
        assertTrue(response.outcome() != PermitOutcome.STALE, "a fresh seq was called stale: " + response);
        if (!synced && (wantCpu > vm.useCpu || wantMem > vm.useMem)) {
            assertEquals(PermitOutcome.DENIED, response.outcome(), "an increase on an unsynced node: " + response);
        }
        assertTrue(response.permit().cpuMillis() <= Math.max(wantCpu, 0) && response.permit().memBytes() <= wantMem,
                "permit above the request: " + response + " for " + r);
        assertTrue(response.permit().cpuMillis() <= vm.maxCpu && response.permit().memBytes() <= vm.maxMem,
                "permit above the VM's max: " + response);
        assertTrue(response.permit().cpuMillis() >= Math.min(vm.useCpu, wantCpu)
                && response.permit().memBytes() >= Math.min(vm.useMem, wantMem), "permit below use: " + response);
        if (random.nextInt(20) == 0) {
            lostAnswers++;
            return null;
        }
        receive(vm, r, response);
        return response;
    }

    /** The agent's rule on sending: use at most min(held, requested) until an answer. */
    static void takeOn(SimVm vm, PermitRequest r) {
        vm.heldCpu = Math.min(vm.heldCpu, r.requested().cpuMillis());
        vm.heldMem = Math.min(vm.heldMem, r.requested().memBytes());
    }

    static void receive(SimVm vm, PermitRequest r, PermitResponse response) {
        if (response.outcome() == PermitOutcome.STALE) {
            return;
        }
        vm.heldCpu = response.permit().cpuMillis();
        vm.heldMem = response.permit().memBytes();
        vm.lastReceivedSeq = Math.max(vm.lastReceivedSeq, r.seq());
    }

    void check(String node, long op) {
        NodeView view = accounts.node(node).orElseThrow();
        assertTrue(view.reserved().fitsIn(view.capacity()),
                "op " + op + ": " + node + " reserves " + view.reserved() + " beyond capacity " + view.capacity());
        long agentsCpu = 0;
        long agentsMem = 0;
        Map<String, VmView> booked = new HashMap<>();
        long sumCpu = 0;
        long sumMem = 0;
        for (VmView v : view.vms()) {
            booked.put(v.vm(), v);
            sumCpu += v.reserved().cpuMillis();
            sumMem += v.reserved().memBytes();
        }
        for (SimVm vm : byNode.get(node)) {
            long cpu = Math.max(vm.useCpu, vm.heldCpu);
            long mem = Math.max(vm.useMem, vm.heldMem);
            agentsCpu += cpu;
            agentsMem += mem;
            if (view.synced()) {
                VmView v = booked.get(vm.name);
                assertTrue(v != null, "op " + op + ": " + vm.name + " runs on synced " + node + " but is not booked");
                assertTrue(cpu <= v.reserved().cpuMillis() && mem <= v.reserved().memBytes(), "op " + op + ": "
                        + vm.name + " may use " + cpu + "m/" + mem + " but is booked at " + v.reserved());
            }
        }
        assertTrue(agentsCpu <= view.capacity().cpuMillis() && agentsMem <= view.capacity().memBytes(),
                "op " + op + ": agents on " + node + " may use " + agentsCpu + "m/" + agentsMem
                        + " beyond capacity " + view.capacity() + ": granted twice");
        if (view.synced()) {
            assertEquals(new Amount(sumCpu, sumMem), view.reserved(), "op " + op + ": " + node + " total != sum of VMs");
            assertEquals(byNode.get(node).size(), view.vms().size(), "op " + op + ": " + node + " books a VM that is gone");
        }
    }

    void count(PermitResponse r) {
        outcomes.merge(r.outcome(), 1L, Long::sum);
    }

    void add(SimVm vm) {
        indexOf.put(vm.name, all.size());
        all.add(vm);
        byNode.get(vm.node).add(vm);
    }

    void remove(SimVm vm) {
        int i = indexOf.remove(vm.name);
        SimVm last = all.removeLast();
        if (last != vm) {
            all.set(i, last);
            indexOf.put(last.name, i);
        }
        byNode.get(vm.node).remove(vm);
    }
}
