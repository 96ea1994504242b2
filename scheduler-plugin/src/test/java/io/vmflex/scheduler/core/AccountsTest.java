package io.vmflex.scheduler.core;

import io.vmflex.api.permit.ReportResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitOutcome;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.ResourceAmount;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AccountsTest {

    static final long GIB = 1L << 30;
    static final Amount NO_RESERVE = Amount.ZERO;
    static final ResourceAmount CU = new ResourceAmount(250, GIB);
    static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");

    Accounts accounts;

    /** A synced node "n1" of 4 vCPUs and 16 GiB, no host reserve. */
    @BeforeEach
    void setUp() {
        accounts = new Accounts(new SchedulerConfig(NO_RESERVE, 0.9, SchedulerConfig.NEON_UNIT));
        accounts.addNode("n1", new Amount(4000, 16 * GIB));
        accounts.report(new NodeReport(1, "n1", List.of()));
    }

    static ResourceAmount res(long cpuMillis, long gib) {
        return new ResourceAmount(cpuMillis, gib * GIB);
    }

    static Amount amt(long cpuMillis, long gib) {
        return new Amount(cpuMillis, gib * GIB);
    }

    Admission admit(String vm, long useCpu, long useGib, long maxCpu, long maxGib) {
        return accounts.admit(new AdmitRequest("n1", vm, amt(250, 1), amt(useCpu, useGib), amt(maxCpu, maxGib),
                T0, false));
    }

    Amount reserved(String node) {
        return accounts.node(node).orElseThrow().reserved();
    }

    PermitResponse ask(String vm, long seq, ResourceAmount current, ResourceAmount requested) {
        return accounts.decide(PermitRequest.of(vm, "n1", seq, current, requested, CU));
    }

    @Test
    void shouldTakeHostReserveOffCapacityWhenNodeIsAdded() {
        var a = new Accounts(SchedulerConfig.DEFAULT);
        a.addNode("big", new Amount(8000, 32 * GIB));
        NodeView n = a.node("big").orElseThrow();
        assertEquals(new Amount(7750, 32 * GIB - (512L << 20)), n.capacity());
        assertEquals(new Amount(6975, (long) Math.floor((32 * GIB - (512L << 20)) * 0.9)), n.watermark());
        a.addNode("tiny", new Amount(100, GIB), new Amount(500, 2 * GIB));
        assertEquals(Amount.ZERO, a.node("tiny").orElseThrow().capacity());
    }

    @Test
    void shouldAdmitAndReserveUseWhenVmFits() {
        var result = admit("a", 1000, 4, 4000, 16);
        assertEquals(new Admission.Admitted("n1", amt(1000, 4)), result);
        assertEquals(amt(1000, 4), reserved("n1"));
    }

    @Test
    void shouldRefuseWithOneLineAndStoreNothingWhenMinimumDoesNotFit() {
        admit("a", 3000, 8, 4000, 16);
        var result = admit("b", 2000, 2, 4000, 16);
        var refused = assertInstanceOf(Admission.Refused.class, result);
        assertEquals("node n1 cannot fit VM b: it needs 2000m CPU, 2048 MiB to start, the node has "
                + "1000m CPU, 8192 MiB free of 4000m CPU, 16384 MiB after the host reserve", refused.reason());
        assertFalse(refused.reason().contains("\n"));
        assertTrue(accounts.vm("b").isEmpty());
        assertEquals(amt(3000, 8), reserved("n1"));
    }

    @Test
    void shouldNotReserveTwiceWhenTheSameVmIsAdmittedAgain() {
        admit("a", 1000, 4, 4000, 16);
        assertEquals(new Admission.Admitted("n1", amt(1000, 4)), admit("a", 1000, 4, 4000, 16));
        assertEquals(amt(1000, 4), reserved("n1"));
    }

    @Test
    void shouldRefuseAdmissionWhenBoundsAreInconsistentOrNodeUnknownOrUnsynced() {
        assertInstanceOf(Admission.Refused.class, admit("a", 5000, 4, 4000, 16));
        var unknown = accounts.admit(new AdmitRequest("nope", "a", amt(250, 1), amt(250, 1), amt(250, 1), T0, false));
        assertEquals(new Admission.Refused("node nope is not known to the scheduler"), unknown);
        accounts.addNode("n2", amt(4000, 16));
        var unsynced = accounts.admit(new AdmitRequest("n2", "a", amt(250, 1), amt(250, 1), amt(250, 1), T0, false));
        assertTrue(((Admission.Refused) unsynced).reason().contains("has not reported"));
        admit("a", 250, 1, 250, 1);
        accounts.report(new NodeReport(1, "n2", List.of()));
        var elsewhere = accounts.admit(new AdmitRequest("n2", "a", amt(250, 1), amt(250, 1), amt(250, 1), T0, false));
        assertEquals(new Admission.Refused("VM a is already booked on node n1"), elsewhere);
    }

    @Test
    void shouldGrantInFullWhenIncreaseFits() {
        admit("a", 1000, 4, 4000, 16);
        var r = ask("a", 1, res(1000, 4), res(2000, 6));
        assertEquals(PermitResponse.of(res(2000, 6), PermitOutcome.GRANTED, null), r);
        assertEquals(amt(2000, 6), reserved("n1"));
    }

    @Test
    void shouldGrantWholeUnitsOnlyWhenIncreaseFitsPartly() {
        admit("a", 3000, 4, 4000, 16);
        admit("b", 250, 1, 4000, 16);
        // 750m and 11 GiB free: b asks for 2000m more CPU and 2 GiB more memory with a 0.5 vCPU unit.
        var r = accounts.decide(PermitRequest.of("b", "n1", 1, res(250, 1), res(2250, 3), new ResourceAmount(500, GIB)));
        assertEquals(PermitOutcome.PARTIAL, r.outcome());
        assertEquals(res(750, 3), r.permit(), "500m of the 750m free (whole units), memory in full");
        assertEquals("n1 had 750m CPU, 11264 MiB free of 4000m CPU, 16384 MiB (grants come in whole units of "
                + "500m CPU, 1024 MiB)", r.reason());
        assertEquals(amt(3750, 7), reserved("n1"));
    }

    @Test
    void shouldDenyAndReserveNothingWhenNotOneUnitFits() {
        admit("a", 3900, 4, 8000, 16);
        var r = ask("a", 1, res(3900, 4), res(4150, 4)); // 250m asked, 100m free: not one unit
        assertEquals(PermitOutcome.DENIED, r.outcome());
        assertEquals(res(3900, 4), r.permit());
        assertEquals(amt(3900, 4), reserved("n1"));
    }

    @Test
    void shouldCapIncreaseAtTheVmMaximum() {
        admit("a", 1000, 4, 2000, 8);
        var r = ask("a", 1, res(1000, 4), res(3000, 8));
        assertEquals(PermitOutcome.PARTIAL, r.outcome());
        assertEquals(res(2000, 8), r.permit());
        assertEquals("capped at a's maximum 2000m CPU, 8192 MiB", r.reason());
    }

    @Test
    void shouldAlwaysGrantDecreaseAndReleaseDownToUseWhenNodeIsFull() {
        admit("a", 2000, 8, 4000, 16);
        admit("b", 2000, 8, 4000, 16);
        var r = ask("a", 1, res(1000, 4), res(1000, 4));
        assertEquals(PermitResponse.of(res(1000, 4), PermitOutcome.RELEASED, null), r);
        assertEquals(amt(3000, 12), reserved("n1"));
    }

    @Test
    void shouldKeepWhatTheVmStillUsesWhenItAsksBelowItsUse() {
        admit("a", 2000, 8, 4000, 16);
        var r = ask("a", 1, res(2000, 8), res(1000, 4));
        assertEquals(res(1000, 4), r.permit());
        assertEquals(amt(2000, 8), reserved("n1"), "the VM still uses 2 vCPU / 8 GiB until it reports less");
    }

    @Test
    void shouldCountGrantedButUnappliedPermitsAsReserved() {
        admit("a", 1000, 4, 4000, 16);
        admit("b", 1000, 4, 4000, 16);
        ask("a", 1, res(1000, 4), res(3000, 4)); // granted, not applied: a still uses 1000m
        var r = ask("b", 1, res(1000, 4), res(2000, 4));
        assertEquals(PermitOutcome.DENIED, r.outcome(), "a's unapplied 2000m leave nothing for b");
        assertEquals(amt(4000, 8), reserved("n1"));
    }

    @Test
    void shouldDecideEachResourceIndependentlyWhenOneGoesUpAndTheOtherDown() {
        admit("a", 1000, 8, 4000, 16);
        var r = ask("a", 1, res(1000, 4), res(2000, 4));
        assertEquals(PermitResponse.of(res(2000, 4), PermitOutcome.GRANTED, null), r);
        assertEquals(amt(2000, 4), reserved("n1"));
    }

    @Test
    void shouldAnswerTheSameAndReserveNothingMoreWhenRequestIsRetried() {
        admit("a", 1000, 4, 4000, 16);
        var first = ask("a", 5, res(1000, 4), res(2000, 6));
        var again = ask("a", 5, res(1000, 4), res(2000, 6));
        assertSame(first, again);
        assertEquals(amt(2000, 6), reserved("n1"));
        // The same total asked again under a new seq is still the same total: no double reservation.
        assertEquals(res(2000, 6), ask("a", 6, res(1000, 4), res(2000, 6)).permit());
        assertEquals(amt(2000, 6), reserved("n1"));
    }

    @Test
    void shouldChangeNothingWhenSeqIsStale() {
        admit("a", 1000, 4, 4000, 16);
        ask("a", 5, res(1000, 4), res(2000, 6));
        ask("a", 6, res(2000, 6), res(2000, 6));
        var late = ask("a", 4, res(1000, 4), res(1000, 4)); // a release from before the grant, arriving late
        assertEquals(PermitOutcome.STALE, late.outcome());
        assertEquals("seq 4 is older than 6, the last decided for a", late.reason());
        var reused = ask("a", 6, res(1000, 4), res(1000, 4));
        assertEquals(PermitOutcome.STALE, reused.outcome());
        assertEquals(amt(2000, 6), reserved("n1"));
    }

    @Test
    void shouldBookOverUseAndGrantNothingMoreWhenVmUsesMoreThanPermitted() {
        admit("a", 1000, 4, 4000, 16);
        admit("b", 2500, 4, 4000, 16);
        var r = ask("a", 1, res(2000, 4), res(2000, 4)); // a misbehaving agent grew without a permit
        assertTrue(r.reason().contains("more than the 1000m CPU, 4096 MiB the scheduler held"), r.reason());
        assertEquals(amt(4500, 8), reserved("n1"));
        assertEquals(PermitOutcome.DENIED, ask("b", 1, res(2500, 4), res(2750, 4)).outcome());
    }

    @Test
    void shouldDenyIncreaseButGrantDecreaseWhenVmOrNodeIsUnknown() {
        var unknownVm = ask("ghost", 1, res(1000, 4), res(2000, 4));
        assertEquals(PermitOutcome.DENIED, unknownVm.outcome());
        assertEquals(res(1000, 4), unknownVm.permit());
        assertEquals("VM ghost is not booked by the scheduler (not admitted, not reported)", unknownVm.reason());
        var decrease = ask("ghost", 2, res(2000, 4), res(1000, 4));
        assertEquals(PermitResponse.of(res(1000, 4), PermitOutcome.GRANTED, null), decrease);
        var unknownNode = accounts.decide(PermitRequest.of("a", "nope", 1, res(1000, 4), res(2000, 4), CU));
        assertEquals("node nope is not known to the scheduler", unknownNode.reason());
        assertEquals(Amount.ZERO, reserved("n1"));
    }

    @Test
    void shouldUseTheDefaultUnitWhenRequestNamesNone() {
        admit("a", 3000, 4, 4000, 16);
        admit("b", 250, 1, 4000, 16);
        var r = accounts.decide(PermitRequest.of("b", "n1", 1, res(250, 1), res(1250, 1), null));
        assertEquals(res(1000, 1), r.permit(), "750m free = 3 units of 250m");
    }

    @Test
    void shouldReleaseReservationWhenVmIsDeleted() {
        admit("a", 1000, 4, 4000, 16);
        ask("a", 1, res(1000, 4), res(3000, 4));
        assertTrue(accounts.deleteVm("a"));
        assertFalse(accounts.deleteVm("a"));
        assertEquals(Amount.ZERO, reserved("n1"));
        assertEquals(PermitOutcome.DENIED, ask("a", 2, res(1000, 4), res(2000, 4)).outcome());
    }

    @Test
    void shouldReleaseEveryVmWhenNodeIsRemoved() {
        admit("a", 1000, 4, 4000, 16);
        admit("b", 1000, 4, 4000, 16);
        assertEquals(List.of("a", "b"), accounts.removeNode("n1"));
        assertTrue(accounts.vm("a").isEmpty());
        assertTrue(accounts.node("n1").isEmpty());
        assertEquals(List.of(), accounts.removeNode("n1"));
    }

    @Test
    void shouldGrantNoIncreaseButAcceptDecreasesUntilNodeReportsAfterRestart() {
        admit("a", 1000, 4, 4000, 16);
        ask("a", 7, res(1000, 4), res(2000, 4));
        // Restart: a fresh scheduler knows the node but not what runs on it.
        accounts = new Accounts(new SchedulerConfig(NO_RESERVE, 0.9, SchedulerConfig.NEON_UNIT));
        accounts.addNode("n1", amt(4000, 16));
        assertFalse(accounts.allSynced());
        var up = ask("a", 8, res(2000, 4), res(3000, 4));
        assertEquals(PermitOutcome.DENIED, up.outcome());
        assertTrue(up.reason().contains("has not reported"), up.reason());
        assertEquals(PermitOutcome.GRANTED, ask("a", 9, res(2000, 4), res(1000, 4)).outcome());

        var result = accounts.report(new NodeReport(1, "n1", List.of(new NodeReport.VmReport("a", res(1000, 4),
                res(4000, 16), res(2000, 4), 9, T0, false))));
        assertTrue(result.rebuilt());
        assertTrue(accounts.allSynced());
        assertEquals(amt(2000, 4), reserved("n1"), "the permit the agent still holds counts, once");
        var stale = ask("a", 9, res(1000, 4), res(3000, 4));
        assertEquals(PermitOutcome.STALE, stale.outcome());
        assertEquals("seq 9 is not newer than 9, the last answer a's agent had when its node reported", stale.reason());
        assertEquals(res(3000, 4), ask("a", 10, res(1000, 4), res(3000, 4)).permit());
        assertEquals(amt(3000, 4), reserved("n1"));
    }

    @Test
    void shouldOnlyRaiseAndListDifferencesWhenSyncedNodeReportsAgain() {
        admit("a", 1000, 4, 4000, 16);
        admit("b", 1000, 4, 4000, 16);
        accounts.addNode("n2", amt(4000, 16));
        accounts.report(new NodeReport(1, "n2", List.of()));
        accounts.admit(new AdmitRequest("n2", "c", amt(250, 1), amt(250, 1), amt(250, 1), T0, false));
        var result = accounts.report(new NodeReport(1, "n1", List.of(
                new NodeReport.VmReport("a", res(1500, 4), res(4000, 16), null, 0, T0, false),
                new NodeReport.VmReport("c", res(250, 1), res(250, 1), null, 0, T0, false),
                new NodeReport.VmReport("stranger", res(250, 1), res(250, 1), null, 0, T0, false))));
        assertEquals(new ReportResult("n1", false, List.of("c"), List.of("stranger"), List.of("b"), List.of("a"), false),
                result);
        assertEquals(amt(2500, 8), reserved("n1"), "a raised to its use, b kept, c and stranger not taken");
    }

    @Test
    void shouldCapReportedPermitAtVmMaximumWhenRebuilding() {
        accounts.addNode("n2", amt(4000, 16));
        accounts.report(new NodeReport(1, "n2", List.of(new NodeReport.VmReport("a", res(1000, 4), res(2000, 8),
                res(4000, 16), 3, T0, true))));
        assertEquals(amt(2000, 8), reserved("n2"));
        assertEquals(3, accounts.vm("a").orElseThrow().lastSeq());
    }

    @Test
    void shouldRefuseReportWhenNodeIsUnknown() {
        var e = assertThrows(IllegalArgumentException.class, () -> accounts.report(new NodeReport(1, "nope", List.of())));
        assertEquals("node: nope is not known to the scheduler", e.getMessage());
    }

    @Test
    void shouldKeepVmsAndSyncStateWhenNodeIsAddedAgainWithNewSize() {
        admit("a", 1000, 4, 8000, 16);
        accounts.addNode("n1", amt(8000, 32));
        NodeView n = accounts.node("n1").orElseThrow();
        assertTrue(n.synced());
        assertEquals(amt(8000, 32), n.capacity());
        assertEquals(amt(1000, 4), n.reserved());
        assertNull(accounts.decide(PermitRequest.of("a", "n1", 1, res(1000, 4), res(6000, 4), CU)).reason());
    }
}
