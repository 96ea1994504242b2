package io.vmflex.vmm.migration.outgoing;

import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationHistoryTest {
    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");

    @TempDir
    Path dir;

    private static MigrationStatus ended(String id, MigrationPhase phase, String reason) {
        return MigrationStatus.preparing(id, "vm-" + id, "node-2", true, T0)
                .withSwitchoverMs(42)
                .finished(phase, reason, "done", T0.plusSeconds(3));
    }

    @Test
    void shouldGiveBackWhatWasSavedWhenTheDaemonStartsAgain() {
        Path file = dir.resolve("migrations.json");
        List<MigrationStatus> saved = List.of(ended("m1", MigrationPhase.Completed, null),
                ended("m2", MigrationPhase.Failed, "ProgressTimeout"));
        new MigrationHistory(file).save(saved);
        assertEquals(saved, new MigrationHistory(file).load());
    }

    @Test
    void shouldStartEmptyWithoutAFileOrWithAnUnreadableOne() throws Exception {
        Path file = dir.resolve("migrations.json");
        assertEquals(List.of(), new MigrationHistory(file).load());
        Files.writeString(file, "{not json");
        assertEquals(List.of(), new MigrationHistory(file).load());
    }

    @Test
    void shouldKeepOnlyEndedMigrationsFromTheFile() {
        Path file = dir.resolve("migrations.json");
        MigrationStatus running = MigrationStatus.preparing("m1", "a", "node-2", true, T0).withPhase(MigrationPhase.Migrating, "QEMU is migrating");
        new MigrationHistory(file).save(List.of(running, ended("m2", MigrationPhase.Cancelled, "Cancelled")));
        List<MigrationStatus> loaded = new MigrationHistory(file).load();
        assertEquals(1, loaded.size(), loaded.toString());
        assertEquals("m2", loaded.getFirst().id());
        assertTrue(loaded.getFirst().phase().isFinal());
    }
}
