package io.vmflex.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitOutcome;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.scheduler.core.AdmitRequest;
import io.vmflex.scheduler.core.Admission;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.SchedulerConfig;
import io.vmflex.scheduler.placement.Placement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    static final long GIB = 1L << 30;
    static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");
    static final ResourceAmount CU = new ResourceAmount(250, GIB);

    static Scheduler syncedScheduler(String... nodes) {
        var s = new Scheduler(new SchedulerConfig(Amount.ZERO, 0.9, SchedulerConfig.NEON_UNIT));
        for (String n : nodes) {
            s.addNode(n, new Amount(4000, 16 * GIB));
            s.report(new NodeReport(1, n, List.of()));
        }
        return s;
    }

    static AdmitRequest vm(String node, String name, long useCpu, boolean auto) {
        Amount use = new Amount(useCpu, GIB);
        return new AdmitRequest(node, name, use, use, new Amount(4000, 16 * GIB), T0, auto);
    }

    @Test
    void shouldShowTwoVmsSharingANodeGetPartialThenDeniedAndAThirdRefused() {
        Scheduler s = syncedScheduler("n1");
        assertInstanceOf(Admission.Admitted.class, s.admit(vm("n1", "a", 1000, true)));
        assertInstanceOf(Admission.Admitted.class, s.admit(vm("n1", "b", 1000, true)));
        ResourceAmount one = new ResourceAmount(1000, GIB);
        var a = s.requestPermit(PermitRequest.of("a", "n1", 1, one, new ResourceAmount(2500, GIB), CU));
        assertEquals(PermitOutcome.GRANTED, a.outcome());
        var b = s.requestPermit(PermitRequest.of("b", "n1", 1, one, new ResourceAmount(4000, GIB), CU));
        assertEquals(PermitOutcome.PARTIAL, b.outcome());
        assertEquals(1500, b.permit().cpuMillis());
        var b2 = s.requestPermit(PermitRequest.of("b", "n1", 2, one, new ResourceAmount(4000, GIB), CU));
        assertEquals(PermitOutcome.DENIED, b2.outcome());
        var third = s.admit(vm("n1", "c", 250, false));
        assertInstanceOf(Admission.Refused.class, third);
        assertEquals(new Amount(4000, 2 * GIB), s.node("n1").orElseThrow().reserved());
        assertEquals(Map.of(PermitOutcome.GRANTED, 1L, PermitOutcome.PARTIAL, 1L, PermitOutcome.DENIED, 1L),
                s.outcomeCounts());
        var choices = s.migrationChoices();
        assertEquals(1, choices.size());
        assertEquals(List.of("a"), choices.get(0).vms());
    }

    @Test
    void shouldPlaceOnTheBestNodeThroughTheFacade() {
        Scheduler s = syncedScheduler("n1", "n2");
        s.admit(vm("n2", "a", 2000, false));
        assertEquals(new Placement.Result.Placed("n2", 78), s.place(new Amount(500, GIB)));
    }

    @Test
    void shouldNeverReserveBeyondCapacityWhenManyThreadsAskAtOnce() throws Exception {
        Scheduler s = syncedScheduler("n1");
        int vms = 8;
        for (int i = 0; i < vms; i++) {
            s.admit(vm("n1", "vm-" + i, 250, false));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Long>> tasks = new ArrayList<>();
            for (int i = 0; i < vms; i++) {
                String name = "vm-" + i;
                tasks.add(() -> {
                    long held = 250;
                    for (int seq = 1; seq <= 2000; seq++) {
                        long want = seq % 2 == 0 ? 250 : 4000;
                        var r = s.requestPermit(PermitRequest.of(name, "n1", seq, new ResourceAmount(Math.min(held, want), GIB),
                                new ResourceAmount(want, GIB), CU));
                        held = r.permit().cpuMillis();
                    }
                    return held;
                });
            }
            long sum = 0;
            for (Future<Long> f : pool.invokeAll(tasks)) {
                sum += f.get();
            }
            assertEquals(250L * vms, sum, "every VM ends on a release");
            assertEquals(new Amount(250L * vms, (long) vms * GIB), s.node("n1").orElseThrow().reserved());
            assertTrue(s.outcomeCounts().values().stream().mapToLong(Long::longValue).sum() == 2000L * vms);
        } finally {
            pool.shutdownNow();
        }
    }
}
