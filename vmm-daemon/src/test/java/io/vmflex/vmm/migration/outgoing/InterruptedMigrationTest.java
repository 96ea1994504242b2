package io.vmflex.vmm.migration.outgoing;

import io.vmflex.vmm.qemu.VmPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterruptedMigrationTest {
    @TempDir
    Path dir;

    @Test
    void shouldDropTheSourceOnlyWhenTheTargetSaysCommitted() {
        assertInstanceOf(InterruptedMigration.Decision.Moved.class, InterruptedMigration.decide("committed"));
    }

    @Test
    void shouldKeepTheVmHereWhenTheTargetHoldsItPausedOrNotAtAll() {
        assertInstanceOf(InterruptedMigration.Decision.StaysHere.class, InterruptedMigration.decide("pending"));
        assertInstanceOf(InterruptedMigration.Decision.StaysHere.class, InterruptedMigration.decide("absent"));
    }

    @Test
    void shouldNotGuessWhenTheAnswerIsUnexpected() {
        assertInstanceOf(InterruptedMigration.Decision.Unknown.class, InterruptedMigration.decide(""));
    }

    @Test
    void shouldReadBackTheMarkerItWroteAndForgetItWhenDeleted() throws Exception {
        VmPaths p = new VmPaths(dir);
        var m = new InterruptedMigration.Marker(UUID.randomUUID(), "10.0.0.2:7451");
        InterruptedMigration.write(p, m);
        assertEquals(m, InterruptedMigration.read(p).orElseThrow());
        InterruptedMigration.delete(p);
        assertTrue(InterruptedMigration.read(p).isEmpty());
    }

    @Test
    void shouldAnswerUnknownWhenTheTargetCannotBeReached() throws Exception {
        var secret = io.vmflex.migration.ClusterSecret.of(new byte[32]);
        var d = InterruptedMigration.ask(new InterruptedMigration.Marker(UUID.randomUUID(), "127.0.0.1:1"), "vm", secret,
                io.vmflex.migration.RelayOptions.DEFAULTS);
        assertInstanceOf(InterruptedMigration.Decision.Unknown.class, d);
    }
}
