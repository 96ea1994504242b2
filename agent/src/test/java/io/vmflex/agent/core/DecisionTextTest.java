package io.vmflex.agent.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DecisionTextTest {
    private static final long GIB = 1L << 30;

    @Test
    void shouldNameReasonsLikeKubernetesEvents() {
        assertEquals("ScaledUp", DecisionText.reason(DecisionKind.SCALED_UP));
        assertEquals("MonitorUpscaleRateLimited", DecisionText.reason(DecisionKind.MONITOR_UPSCALE_RATE_LIMITED));
        assertTrue(DecisionText.warning(DecisionKind.DOWNSCALE_DENIED));
        assertFalse(DecisionText.warning(DecisionKind.SCALED_DOWN));
    }

    @Test
    void shouldCarryInputsGoalAndReasonInOneLine() {
        GoalInputs in = new GoalInputs(ScalingMode.VMFLEX, 1.84, 0.97, Double.NaN, Double.NaN, 400.0 * 1024 * 1024, GIB, 800, 0, 2, 1, 2);
        Decision d = new Decision("pg", 10, DecisionKind.SCALED_UP, new Allocation(1000, GIB), new Allocation(2000, 2 * GIB),
                new Allocation(2000, 2 * GIB), in, "permit granted\nin full");

        assertEquals("1 CPU/1Gi -> 2 CPU/2Gi; goal 2 CPU/2Gi (vmflex rules: load1 1.84, busy 0.97, used 400Mi of 1Gi,"
                + " metrics 800 ms old): permit granted in full", DecisionText.message(d));
    }

    @Test
    void shouldShowUnknownInputsAsDashes() {
        GoalInputs in = new GoalInputs(ScalingMode.NEON_RULES, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, -1,
                GIB, 1, 1, 1);
        Decision d = new Decision("pg", 10, DecisionKind.UPSCALE_DENIED, new Allocation(250, GIB), null,
                new Allocation(250, GIB), in, null);

        assertEquals("250m CPU/1Gi (Neon rules: load1 -, busy -, used - of -, metrics - old, monitor asks at least 1Gi)",
                DecisionText.message(d));
    }
}
