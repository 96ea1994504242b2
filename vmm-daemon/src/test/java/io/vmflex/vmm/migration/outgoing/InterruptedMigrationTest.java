package io.vmflex.vmm.migration.outgoing;

import io.vmflex.migration.ControlReply;
import io.vmflex.migration.RelayOptions;
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
    void shouldDropTheSourceOnlyWhenTheFenceSaysCommitted() {
        assertInstanceOf(InterruptedMigration.Decision.Moved.class,
                InterruptedMigration.decide(new ControlReply.Fenced(ControlReply.Outcome.COMMITTED)));
    }

    @Test
    void shouldKeepTheVmHereOnlyWhenTheFenceSaysTheTargetDroppedItsCopy() {
        assertInstanceOf(InterruptedMigration.Decision.StaysHere.class,
                InterruptedMigration.decide(new ControlReply.Fenced(ControlReply.Outcome.DROPPED)));
    }

    @Test
    void shouldNotGuessWhenTheAnswerIsARefusalAnotherReplyOrLost() {
        for (ControlReply r : new ControlReply[] {new ControlReply.Refused("busy"), new ControlReply.Done(),
                new ControlReply.Committed(5), null}) {
            assertInstanceOf(InterruptedMigration.Decision.Unknown.class, InterruptedMigration.decide(r), String.valueOf(r));
        }
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
        var d = InterruptedMigration.ask(new InterruptedMigration.Marker(UUID.randomUUID(), "127.0.0.1:1"), "vm",
                target -> new SocketControlPath(TargetAddress.parse(target), secret, RelayOptions.DEFAULTS));
        assertInstanceOf(InterruptedMigration.Decision.Unknown.class, d);
    }
}
