package io.vmflex.kube.watermark;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.kube.crd.NeonVmm;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MigrationWriterTest {

    @Test
    void shouldCapTheMigrationsItCreatesAtTheConfiguredBandwidth() {
        NeonVmm capped = MigrationWriter.watermarkMigration("ns", "vm", "b", ByteQuantity.ofMebibytes(8));
        assertEquals("vm", capped.getSpec().vmName());
        assertEquals("b", capped.getSpec().targetNode());
        assertEquals(ByteQuantity.ofMebibytes(8), capped.getSpec().maxBandwidth());
        assertEquals("vm-", capped.getMetadata().getGenerateName());
        assertEquals(Map.of(MigrationContract.CREATED_BY_LABEL, MigrationContract.CREATED_BY,
                MigrationContract.REASON_LABEL, MigrationContract.REASON_WATERMARK), capped.getMetadata().getLabels());
        // none configured: the field is left out and the node daemon's default applies
        assertNull(MigrationWriter.watermarkMigration("ns", "vm", "b", null).getSpec().maxBandwidth());
    }
}
