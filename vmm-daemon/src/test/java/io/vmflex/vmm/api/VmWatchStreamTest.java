package io.vmflex.vmm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.vmm.it.UnixHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /v1/vms?watch=true} on the in-process daemon: every change of a VM, as it happens. */
class VmWatchStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private InProcessDaemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }


    private static List<JsonNode> events(StreamLines watch) {
        return watch.lines().stream().map(line -> {
            try {
                return JSON.readTree(line);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + line, e);
            }
        }).toList();
    }

    private static boolean seen(StreamLines watch, String type, String vm, String pointer, String value) {
        return events(watch).stream().anyMatch(e -> e.path("type").asText().equals(type)
                && e.path("object").path("metadata").path("name").asText().equals(vm)
                && (pointer == null || e.path("object").at(pointer).asText().equals(value)));
    }

    @Test
    void shouldStreamAVmsAdditionChangesAndDeletion() throws Exception {
        daemon = InProcessDaemon.start(dir);
        UnixHttp http = daemon.http();
        assertEquals(201, http.send("POST", "/v1/vms", "application/yaml", InProcessDaemon.vmYaml("before")).status());

        try (StreamLines watch = StreamLines.get(daemon.socket(), "/v1/vms?watch=true")) {
            await().until(() -> seen(watch, "ADDED", "before", null, null));
            assertEquals(201, http.send("POST", "/v1/vms", "application/yaml", InProcessDaemon.vmYaml("new")).status());
            await().until(() -> seen(watch, "ADDED", "new", null, null));
            assertEquals(200, http.send("PATCH", "/v1/vms/new", "application/merge-patch+json",
                    "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2}}}}").status());
            await().until(() -> seen(watch, "MODIFIED", "new", "/spec/guest/cpus/use", "2"));
            assertEquals(200, http.send("DELETE", "/v1/vms/new", null, null).status());
            await().until(() -> seen(watch, "DELETED", "new", null, null));

            assertTrue(events(watch).stream().noneMatch(e -> e.path("type").asText().equals("DELETED")
                    && e.path("object").path("metadata").path("name").asText().equals("before")), watch.lines().toString());
        }
        await().until(() -> daemon.streams().openStreams() == 0);
    }
}
