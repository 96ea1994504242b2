package io.vmflex.vmm.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The QEMU version checks that decide which of QEMU's known TCG faults the daemon works around. */
class QemuVersionTest {

    @Test
    void shouldCompareMajorThenMinor() {
        assertFalse(NodeCheck.qemuVersionAtLeast("10.0.2", 10, 2), "Debian 12 backports: before the fix");
        assertFalse(NodeCheck.qemuVersionAtLeast("7.2.19", 10, 2));
        assertTrue(NodeCheck.qemuVersionAtLeast("10.2.0", 10, 2));
        assertTrue(NodeCheck.qemuVersionAtLeast("10.10.1", 10, 2), "minor compared as a number");
        assertTrue(NodeCheck.qemuVersionAtLeast("11.0.0", 10, 2));
    }

    @Test
    void shouldTreatAnUnknownVersionAsTooOld() {
        assertFalse(NodeCheck.qemuVersionAtLeast(null, 10, 2));
        assertFalse(NodeCheck.qemuVersionAtLeast("garbage", 10, 2));
        assertFalse(NodeCheck.qemuVersionAtLeast("10", 10, 2));
        assertFalse(NodeCheck.qemuVersionAtLeast("10.x.1", 10, 2));
        assertEquals(0, NodeCheck.qemuMajor("garbage"));
    }
}
