package io.vmflex.scheduler.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.core.VmView;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WatermarkChoiceTest {

    static final long GIB = 1L << 30;
    static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");

    static VmView vm(String name, long cpu, long gib, int ageRank, boolean auto) {
        Amount a = new Amount(cpu, gib * GIB);
        return new VmView(name, "n1", a, a, a, T0.plusSeconds(ageRank), auto, 0);
    }

    /** A node of 10 vCPUs / 40 GiB capacity, watermark 9 / 36. */
    static NodeView node(VmView... vms) {
        long cpu = 0;
        long mem = 0;
        for (VmView v : vms) {
            cpu += v.reserved().cpuMillis();
            mem += v.reserved().memBytes();
        }
        return new NodeView("n1", new Amount(10000, 40 * GIB), new Amount(10000, 40 * GIB),
                new Amount(9000, 36 * GIB), new Amount(cpu, mem), true, List.of(vms));
    }

    @Test
    void shouldChooseNothingWhenNodeIsAtOrBelowWatermark() {
        assertTrue(WatermarkChoice.choose(node(vm("a", 9000, 36, 0, true))).isEmpty());
    }

    @Test
    void shouldChooseOldestLabelledVmsUntilBelowWatermark() {
        var choice = WatermarkChoice.choose(node(
                vm("young", 3000, 4, 3, true),
                vm("oldest-unlabelled", 3000, 4, 0, false),
                vm("old", 2000, 4, 1, true),
                vm("middle", 2500, 4, 2, true))).orElseThrow();
        // reserved 10500m: moving "old" (2000m) leaves 8500m <= 9000m.
        assertEquals(List.of("old"), choice.vms());
        assertEquals(new Amount(8500, 12 * GIB), choice.afterMove());
        assertTrue(choice.enough());
        assertEquals("n1 reserves 10500m CPU, 16384 MiB, above its watermark 9000m CPU, 36864 MiB: move old",
                choice.describe());
    }

    @Test
    void shouldGoOnUntilBothResourcesAreBelowWatermark() {
        var choice = WatermarkChoice.choose(node(
                vm("a", 1000, 20, 0, true),
                vm("b", 5000, 10, 1, true),
                vm("c", 4000, 10, 2, true))).orElseThrow();
        // 10000m / 40 GiB: after a, 9000m / 20 GiB: both at or below.
        assertEquals(List.of("a"), choice.vms());
        var memoryBound = WatermarkChoice.choose(node(
                vm("a", 500, 1, 0, true),
                vm("b", 500, 1, 1, true),
                vm("c", 1000, 38, 2, true))).orElseThrow();
        assertEquals(List.of("a", "b", "c"), memoryBound.vms(), "only moving c brings memory down; oldest first");
    }

    @Test
    void shouldSayNotEnoughWhenTooFewVmsMayMove() {
        var choice = WatermarkChoice.choose(node(
                vm("pinned", 9000, 4, 0, false),
                vm("small", 500, 4, 1, true),
                vm("other", 1000, 4, 2, false))).orElseThrow();
        assertEquals(List.of("small"), choice.vms());
        assertFalse(choice.enough());
        assertTrue(choice.describe().endsWith("move small (not enough to get below it)"), choice.describe());
    }

    @Test
    void shouldBreakAgeTiesByName() {
        var choice = WatermarkChoice.choose(node(
                vm("b", 5000, 4, 0, true),
                vm("a", 5000, 4, 0, true),
                vm("c", 1000, 4, 0, true))).orElseThrow();
        assertEquals(List.of("a"), choice.vms());
    }
}
