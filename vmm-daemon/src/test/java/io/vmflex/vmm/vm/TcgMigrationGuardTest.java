package io.vmflex.vmm.vm;

import io.vmflex.api.vm.RestartPolicy;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcgMigrationGuardTest {
    private static final long MIB = 1L << 20;

    private static SpecView vm(int slotsMin, int slotsMax) {
        return new SpecView("pg", 1, 4, 1, 1000, 128 * MIB, slotsMin, slotsMin, slotsMax, "test", null, null,
                RestartPolicy.Always);
    }

    @Test
    void shouldRefuseWhenBootMemoryExceedsHotplugMemoryUnderTcgOnQemu9() {
        var refusal = TcgMigrationGuard.of(true, 10).refusal(vm(8, 10));
        assertTrue(refusal.isPresent());
        assertTrue(refusal.get().contains("1024 MiB") && refusal.get().contains("256 MiB"), refusal.get());
    }

    @Test
    void shouldAllowWhenHotplugMemoryIsAtLeastBootMemory() {
        assertEquals(Optional.empty(), TcgMigrationGuard.of(true, 10).refusal(vm(2, 8)));
        assertEquals(Optional.empty(), TcgMigrationGuard.of(true, 10).refusal(vm(4, 8)));
    }

    @Test
    void shouldAllowVmsWithoutHotplugMemory() {
        assertEquals(Optional.empty(), TcgMigrationGuard.of(true, 10).refusal(vm(8, 8)));
    }

    @Test
    void shouldAllowEverythingUnderKvmOrOldQemu() {
        assertEquals(Optional.empty(), TcgMigrationGuard.of(false, 10).refusal(vm(8, 10)));
        assertEquals(Optional.empty(), TcgMigrationGuard.of(true, 8).refusal(vm(8, 10)));
    }
}
