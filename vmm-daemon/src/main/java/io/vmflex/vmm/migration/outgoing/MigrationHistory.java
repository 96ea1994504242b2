package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.vmm.store.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The ended outgoing migrations that {@code GET /v1/migrations} lists, kept in one file
 * ({@code <state-dir>/migrations.json}, written atomically) so that the list outlives a daemon
 * restart. Running migrations are not written: a restarted daemon settles those from their
 * {@code outgoing.json} markers.
 *
 * <p>Thread-safe as long as one owner writes (OutgoingMigrations, under its lock).
 */
public final class MigrationHistory {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationHistory.class);
    private static final ObjectMapper JSON = ApiMapper.json();
    private static final TypeReference<List<MigrationStatus>> LIST = new TypeReference<>() {
    };

    private final Path file;

    public MigrationHistory(Path file) {
        this.file = file;
    }

    /** Oldest first; empty when there is no file yet, or when it cannot be read (said in the log). */
    public List<MigrationStatus> load() {
        try {
            List<MigrationStatus> ended = JSON.readValue(Files.readAllBytes(file), LIST);
            return ended.stream().filter(s -> s.id() != null && s.phase() != null && s.phase().isFinal()).toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException | RuntimeException e) {
            LOG.warn("migration history {} unreadable, starting empty: {}", file, e.getMessage());
            return List.of();
        }
    }

    /** Replaces the file's content with {@code ended} (oldest first); a failure is logged, not thrown. */
    public void save(List<MigrationStatus> ended) {
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(ended));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot write the migration history {}: {}", file, e.getMessage());
        }
    }
}
