package io.vmflex.vmm.scaling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.vmflex.vmm.qemu.CpuSlot;

class ScalePlanTest {
    private static final String TYPE = "qemu64-x86_64-cpu";

    /** Four sockets; the first {@code boot} have boot CPUs, the next {@code hot} hot-plugged ones. */
    private static List<CpuSlot> slots(int boot, int hot) {
        List<CpuSlot> s = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String qom = i < boot ? "/machine/unattached/device[" + i + "]"
                    : i < boot + hot ? "/machine/peripheral/cpu-" + i + "-0-0" : null;
            s.add(new CpuSlot(i, 0, 0, TYPE, qom));
        }
        return s;
    }

    private static ScalePlan.Observed have(int boot, int hot, Set<String> pending, long requested, long plugged) {
        return new ScalePlan.Observed(slots(boot, hot), pending, requested, plugged);
    }

    @Test
    void shouldPlugLowestFreeSlotsWhenMoreCpusWanted() {
        List<ScaleStep> steps = ScalePlan.plan(new ScalePlan.Desired(3, 0), have(1, 0, Set.of(), 0, 0));
        assertEquals(List.of(new ScaleStep.AddCpu(new CpuSlot(1, 0, 0, TYPE, null)),
                new ScaleStep.AddCpu(new CpuSlot(2, 0, 0, TYPE, null))), steps);
    }

    @Test
    void shouldUnplugHighestHotpluggedCpusAndNeverBootCpus() {
        List<ScaleStep> steps = ScalePlan.plan(new ScalePlan.Desired(1, 0), have(1, 3, Set.of(), 0, 0));
        assertEquals(List.of(new ScaleStep.RemoveCpu("cpu-3-0-0"), new ScaleStep.RemoveCpu("cpu-2-0-0"),
                new ScaleStep.RemoveCpu("cpu-1-0-0")), steps);
        assertEquals(List.of(), ScalePlan.plan(new ScalePlan.Desired(1, 0), have(2, 0, Set.of(), 0, 0)));
    }

    @Test
    void shouldNotRepeatAnUnplugTheGuestIsStillDoing() {
        ScalePlan.Observed h = have(1, 2, Set.of("cpu-2-0-0"), 0, 0);
        assertEquals(List.of(new ScaleStep.RemoveCpu("cpu-1-0-0")), ScalePlan.plan(new ScalePlan.Desired(1, 0), h));
        assertEquals(List.of(), ScalePlan.plan(new ScalePlan.Desired(2, 0), h));
    }

    @Test
    void shouldReplugWhenScaledUpAgainDuringAnUnplug() {
        ScalePlan.Observed h = have(1, 1, Set.of("cpu-1-0-0"), 0, 0);
        assertEquals(List.of(new ScaleStep.AddCpu(new CpuSlot(2, 0, 0, TYPE, null))),
                ScalePlan.plan(new ScalePlan.Desired(2, 0), h));
    }

    @Test
    void shouldRequestMemoryOnlyWhenRequestedSizeDiffers() {
        assertEquals(List.of(new ScaleStep.SetMemory(256L << 20)),
                ScalePlan.plan(new ScalePlan.Desired(1, 256L << 20), have(1, 0, Set.of(), 0, 0)));
        assertEquals(List.of(), ScalePlan.plan(new ScalePlan.Desired(1, 256L << 20), have(1, 0, Set.of(), 256L << 20, 0)));
        assertEquals(List.of(), ScalePlan.plan(new ScalePlan.Desired(1, 0), have(1, 0, Set.of(), -1, 0)));
    }

    @Test
    void shouldBeIdempotentWhenPlanIsRecomputedOnTheSameObservation() {
        ScalePlan.Observed h = have(1, 0, Set.of(), 0, 0);
        ScalePlan.Desired want = new ScalePlan.Desired(4, 128L << 20);
        assertEquals(ScalePlan.plan(want, h), ScalePlan.plan(want, h));
    }

    @Test
    void shouldCallConvergedOnlyWhenPluggedMatches() {
        ScalePlan.Desired want = new ScalePlan.Desired(2, 128L << 20);
        assertTrue(ScalePlan.converged(want, have(1, 1, Set.of(), 128L << 20, 128L << 20)));
        assertFalse(ScalePlan.converged(want, have(1, 1, Set.of(), 128L << 20, 0)));
        assertFalse(ScalePlan.converged(want, have(1, 0, Set.of(), 128L << 20, 128L << 20)));
    }
}
