package io.vmflex.kube.migration;

import io.vmflex.api.vm.ByteQuantity;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class KnobsTest {

    private static Knobs.Result of(String spec, long memory) {
        return Knobs.of(MigrationRulesTest.vmm(spec, null).spec(), memory);
    }

    @Test
    void shouldTakeTheDaemonsDefaultsForWhatTheSpecLeavesOut() {
        Knobs k = assertInstanceOf(Knobs.Valid.class, of("{\"vmName\":\"vm\"}", 0)).knobs();
        assertEquals(new Knobs(Knobs.DOWNTIME_MS, Knobs.BANDWIDTH_MBPS, 1, Knobs.PROGRESS_SECONDS, Knobs.PER_GIB_SECONDS), k);
    }

    @Test
    void shouldSpreadNeonVmsCompletionTimeoutOverTheVmsGibibytes() {
        Knobs k = assertInstanceOf(Knobs.Valid.class, of("{\"vmName\":\"vm\",\"completionTimeout\":3600}",
                4 * ByteQuantity.GI)).knobs();
        assertEquals(900, k.completionTimeoutPerGiBSeconds());
    }

    @Test
    void shouldRefuseOutOfRangeKnobsNamingTheField() {
        assertEquals("spec.multifdChannels: must be in 1..255, got 0",
                assertInstanceOf(Knobs.Invalid.class, of("{\"vmName\":\"vm\",\"multifdChannels\":0}", 0)).message());
        assertInstanceOf(Knobs.Invalid.class, of("{\"vmName\":\"vm\",\"downtimeLimitMs\":0}", 0));
        assertInstanceOf(Knobs.Invalid.class, of("{\"vmName\":\"vm\",\"completionTimeout\":10,\"completionTimeoutPerGiBSeconds\":5}", 0));
        assertEquals(1, assertInstanceOf(Knobs.Valid.class, of("{\"vmName\":\"vm\",\"maxBandwidth\":1}", 0)).knobs().maxBandwidthMbps());
    }
}
