package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.store.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * An outgoing migration that the daemon which started it did not see to its end (it died or was
 * stopped meanwhile). While QEMU streams, {@code <vmdir>/outgoing.json} names the migration and its
 * target; a daemon that re-adopts the VM and finds the file fences the target, which settles the
 * migration for good under the commit's own lock:
 *
 * <ul>
 * <li>{@code COMMITTED}: the target runs the VM. The source QEMU (paused in postmigrate) must go:
 *     {@link Decision.Moved}.
 * <li>{@code DROPPED}: the target does not run it, has removed its copy and refuses any later
 *     commit of this migration (one still on its way included). The source resumes its QEMU if
 *     QEMU paused it: {@link Decision.StaysHere}. Only this answer makes resuming safe; a guess could
 *     run the guest twice.
 * <li>anything else, or no answer: {@link Decision.Unknown}; the VM stays as it is (paused, if QEMU
 *     completed) and the target is asked again later.
 * </ul>
 *
 * <p>Stateless; thread-safe.
 */
final class InterruptedMigration {
    private static final ObjectMapper JSON = ApiMapper.json();

    private InterruptedMigration() {
    }

    /** What {@code outgoing.json} holds. */
    record Marker(UUID migrationId, String target) {
    }

    sealed interface Decision {
        record Moved() implements Decision {
        }

        record StaysHere() implements Decision {
        }

        record Unknown(String why) implements Decision {
        }
    }

    static Path file(VmPaths paths) {
        return paths.outgoingMarker();
    }

    static void write(VmPaths paths, Marker m) throws IOException {
        AtomicFiles.write(file(paths), JSON.writeValueAsBytes(m));
    }

    static void delete(VmPaths paths) {
        try {
            Files.deleteIfExists(file(paths));
        } catch (IOException ignored) {
            // the VM dir is going away, or the next re-adoption fences the target once more (harmless)
        }
    }

    static Optional<Marker> read(VmPaths paths) {
        Path f = file(paths);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), Marker.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Maps the target's answer to the fence to a decision; pure, so the rule is tested without a target. */
    static Decision decide(ControlReply answer) {
        return switch (CommitOutcome.ofFence(answer)) {
            case CommitOutcome.Moved m -> new Decision.Moved();
            case CommitOutcome.StaysHere s -> new Decision.StaysHere();
            case CommitOutcome.Fence f -> new Decision.Unknown(f.why());
        };
    }

    /** Fences the target of {@code m}, reached through {@code pathTo.apply(m.target())}. */
    static Decision ask(Marker m, String vm, Function<String, ControlPath> pathTo) {
        try {
            return decide(pathTo.apply(m.target()).call(new ControlRequest.Fence(m.migrationId(), vm),
                    TargetControl.CONTROL_TIMEOUT));
        } catch (IOException | RuntimeException e) {
            return new Decision.Unknown(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
