package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.MigrationControl;
import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.store.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * An outgoing migration that the daemon which started it did not see to its end (it died or was
 * stopped meanwhile). While QEMU streams, {@code <vmdir>/outgoing.json} names the migration and its
 * target; a daemon that re-adopts the VM and finds the file asks the target what became of it:
 *
 * <ul>
 * <li>{@code committed}: the target runs the VM. The source QEMU (paused in postmigrate) must go:
 *     {@link Decision.Moved}.
 * <li>{@code pending} or {@code absent}: the target does not run it. It is told to abort, and the
 *     source resumes its QEMU if QEMU paused it: {@link Decision.StaysHere}. Only this answer makes
 *     resuming safe; a guess could run the guest twice.
 * <li>no answer: {@link Decision.Unknown}; the VM stays as it is (paused, if QEMU completed) and the
 *     question is asked again later.
 * </ul>
 *
 * <p>Stateless; thread-safe.
 */
final class InterruptedMigration {
    private static final ObjectMapper JSON = ApiMapper.json();
    private static final String FILE = "outgoing.json";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

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
        return paths.dir().resolve(FILE);
    }

    static void write(VmPaths paths, Marker m) throws IOException {
        AtomicFiles.write(file(paths), JSON.writeValueAsBytes(m));
    }

    static void delete(VmPaths paths) {
        try {
            Files.deleteIfExists(file(paths));
        } catch (IOException ignored) {
            // the VM dir is going away, or the next re-adoption asks the target once more (harmless)
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

    /** Maps the target's answer to a decision; pure, so the rule is tested without a target. */
    static Decision decide(String answer) {
        return switch (answer) {
            case "committed" -> new Decision.Moved();
            case "pending", "absent" -> new Decision.StaysHere();
            default -> new Decision.Unknown("unexpected answer \"" + answer + "\"");
        };
    }

    /** Asks the target about {@code m}; on {@link Decision.StaysHere} it has been told to abort. */
    static Decision ask(Marker m, String vm, ClusterSecret secret, RelayOptions options) {
        try {
            var target = TargetAddress.parse(m.target());
            ObjectNode q = JSON.createObjectNode();
            q.put("op", "query");
            q.put("migrationId", m.migrationId().toString());
            q.put("vm", vm);
            JsonNode r = JSON.readTree(MigrationControl.call(target, secret, JSON.writeValueAsString(q), TIMEOUT, options));
            if (!r.path("ok").asBoolean(false)) {
                return new Decision.Unknown("target: " + r.path("error").asText("no reason"));
            }
            Decision d = decide(r.path("state").asText(""));
            if (d instanceof Decision.StaysHere) {
                ObjectNode abort = JSON.createObjectNode();
                abort.put("op", "abort");
                abort.put("migrationId", m.migrationId().toString());
                MigrationControl.call(target, secret, JSON.writeValueAsString(abort), TIMEOUT, options);
            }
            return d;
        } catch (IOException | RuntimeException e) {
            return new Decision.Unknown(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
