package io.vmflex.scheduler.core;

import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.ResourceAmount;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Accounts#bookRunning}: a VM bound to a synced node after its report (placement, a migration). */
class BookRunningTest {

    private static NodeReport.VmReport vm(String name, long cpu) {
        return new NodeReport.VmReport(name, new ResourceAmount(cpu, 1L << 30), new ResourceAmount(4000, 4L << 30), null, 0,
                Instant.EPOCH, false);
    }

    @Test
    void shouldBookARunningVmEvenPastCapacityOnlyOnASyncedNodeAndMoveItBetweenNodes() {
        Accounts a = new Accounts(new SchedulerConfig(Amount.ZERO, 0.9, SchedulerConfig.NEON_UNIT));
        a.addNode("n1", new Amount(2000, 4L << 30));
        a.addNode("n2", new Amount(2000, 4L << 30));
        assertFalse(a.bookRunning("n1", vm("v", 1000)), "unsynced: its report will book it");
        assertFalse(a.bookRunning("nx", vm("v", 1000)), "unknown node");
        a.report(new NodeReport(PermitCodec.VERSION, "n1", List.of()));
        a.report(new NodeReport(PermitCodec.VERSION, "n2", List.of()));
        assertTrue(a.bookRunning("n1", vm("v", 1000)));
        assertFalse(a.bookRunning("n1", vm("v", 1000)), "already booked there: nothing changes");
        assertTrue(a.bookRunning("n1", vm("big", 3000)), "it runs, so it is booked past capacity");
        assertEquals(4000, a.node("n1").orElseThrow().reserved().cpuMillis());
        assertTrue(a.bookRunning("n2", vm("v", 1000)), "moved");
        assertEquals(3000, a.node("n1").orElseThrow().reserved().cpuMillis());
        assertEquals("n2", a.vm("v").orElseThrow().node());
    }
}
