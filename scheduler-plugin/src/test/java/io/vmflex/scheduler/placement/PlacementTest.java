package io.vmflex.scheduler.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {

    static final long GIB = 1L << 30;
    static final Amount CAP = new Amount(10000, 40 * GIB);

    static NodeView node(String name, long reservedCpu, long reservedGib, boolean synced) {
        return new NodeView(name, CAP, CAP, new Amount(9000, 36 * GIB), new Amount(reservedCpu, reservedGib * GIB),
                synced, List.of());
    }

    @Test
    void shouldPeakAtEightyPercentWhenScoring() {
        Amount vm = new Amount(1000, 4 * GIB);
        assertEquals(100, Placement.score(node("n", 7000, 28, true), vm));
        assertEquals(50, Placement.score(node("n", 3000, 12, true), vm));
        assertEquals(50, Placement.score(node("n", 8000, 32, true), vm));
        assertEquals(0, Placement.score(node("n", 9000, 0, true), vm), "the larger of CPU and memory counts");
    }

    @Test
    void shouldPreferTheNodeNearestThePeakWhenSeveralFit() {
        Amount vm = new Amount(1000, 4 * GIB);
        var result = Placement.place(List.of(
                node("empty", 0, 0, true),
                node("near-peak", 6000, 24, true),
                node("almost-full", 8500, 20, true)), vm);
        assertEquals(new Placement.Result.Placed("near-peak", 87), result);
    }

    @Test
    void shouldBreakTiesByName() {
        Amount vm = new Amount(1000, 4 * GIB);
        var result = Placement.place(List.of(node("b", 0, 0, true), node("a", 0, 0, true)), vm);
        assertEquals(new Placement.Result.Placed("a", 13), result);
    }

    @Test
    void shouldFilterOutUnsyncedAndFullNodes() {
        Amount vm = new Amount(2000, 4 * GIB);
        assertEquals("not reported yet", Placement.filter(node("n", 0, 0, false), vm));
        assertEquals("only 1000m CPU, 40960 MiB free", Placement.filter(node("n", 9000, 0, true), vm));
        assertNull(Placement.filter(node("n", 8000, 36, true), vm));
        var result = Placement.place(List.of(node("a", 0, 0, false), node("b", 9000, 0, true)), vm);
        assertEquals(new Placement.Result.Unplaceable("no node can fit 2000m CPU, 4096 MiB: 2 nodes, "
                + "1 without enough free capacity, 1 not reported yet"), result);
    }
}
