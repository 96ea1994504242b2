package io.vmflex.agent.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScalingConfigTest {
    @Test
    void shouldLookForANewSampleFourTimesPerPushWithVmflexRulesAndAtNeonsPollWithNeonsRules() {
        ScalingConfig vmflex = ScalingConfig.vmflex();
        assertEquals(vmflex.metricsIntervalMs() / 4, vmflex.pollIntervalMs());
        assertTrue(vmflex.pollIntervalMs() <= 250, "a pushed sample waits at most 250 ms to be seen");
        assertEquals(5_000, ScalingConfig.neonRules().pollIntervalMs(), "Neon's agent polls every 5 s");
    }

    @Test
    void shouldRefuseTargetsOutOfRange() {
        ScalingConfig v = ScalingConfig.vmflex();
        assertThrows(IllegalArgumentException.class, () -> new ScalingConfig(v.mode(), v.loadAverageTarget(), 1.5,
                v.cpuBusyWindowMs(), v.cpuSaturatedAbove(), v.memoryUsageTarget(), v.memoryHeadroomBytes(),
                v.metricsStaleAfterMs(), v.downscaleWindowMs(), v.downscaleHysteresis(), v.monitorUpscaleValidMs(),
                v.monitorUpscaleMinIntervalMs(), v.deniedDownscaleHoldMs(), v.permitRetryAfterFailureMs(),
                v.permitRetryAfterDenialMs(), v.permitRefreshMs(), v.metricsIntervalMs(), v.patchRetryMs(),
                v.migratingRetryMs(), v.monitorRetryMs(), v.operationTimeoutMs(), v.maxLoadAverage()));
    }
}
