package io.vmflex.vmm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real QEMU (no guest: {@code -machine none}). */
@Tag("qemu")
class QemuQmpTest {

    @TempDir
    Path dir;

    @Test
    void shouldQueryVersionAndStatusThenQuitWhenTalkingToRealQemu() throws Exception {
        if (!QemuQmpProcess.available()) {
            System.out.println("skipping: " + QemuQmpProcess.BINARY + " is not installed");
        }
        Assumptions.assumeTrue(QemuQmpProcess.available(), QemuQmpProcess.BINARY + " is not installed");

        List<Throwable> disconnects = new CopyOnWriteArrayList<>();
        try (QemuQmpProcess qemu = QemuQmpProcess.start(dir);
                QmpClient client = QmpClient.connect(qemu.socket(), QmpClientOptions.defaults()
                        .withDisconnectListener(disconnects::add)).get(10, TimeUnit.SECONDS)) {

            JsonNode version = client.execute("query-version", null).get(10, TimeUnit.SECONDS);
            assertEquals(client.greeting().version().major(), version.path("qemu").path("major").asInt());
            assertEquals(client.greeting().version().minor(), version.path("qemu").path("minor").asInt());

            JsonNode status = client.execute("query-status", null).get(10, TimeUnit.SECONDS);
            assertFalse(status.path("status").asText().isEmpty(), status.toString());
            assertTrue(status.has("running"), status.toString());

            CompletableFuture<JsonNode> missing = client.execute("no-such-command", null);
            ExecutionException error = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> missing.get(10, TimeUnit.SECONDS));
            assertEquals("CommandNotFound", assertInstanceOf(QmpCommandException.class, error.getCause()).errorClass());

            client.execute("quit", null, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            assertTrue(qemu.process().waitFor(10, TimeUnit.SECONDS), "qemu exits after quit");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !client.isConnected());
            assertEquals(1, disconnects.size());
        }
    }
}
