package io.vmflex.vmm.migration.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.vmm.qemu.QmpChannel;
import io.vmflex.vmm.qemu.QmpOps;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IncomingLoadTest {
    private static final ObjectMapper JSON = ApiMapper.json();

    /** A target QEMU whose query-migrate says {@code status}; counts the queries. */
    private static final class TargetQemu implements QmpChannel {
        final AtomicReference<String> status = new AtomicReference<>("active");
        final AtomicInteger queries = new AtomicInteger();

        @Override
        public CompletableFuture<JsonNode> execute(String command, com.fasterxml.jackson.databind.node.ObjectNode arguments) {
            queries.incrementAndGet();
            return CompletableFuture.completedFuture(JSON.createObjectNode().put("status", status.get()));
        }

        QmpOps ops() {
            return new QmpOps(this, Duration.ofSeconds(1));
        }
    }

    private static JsonNode status(String s) {
        return JSON.createObjectNode().put("status", s);
    }

    @Test
    void shouldReturnOnTheCompletedEventWithoutAskingQemu() throws Exception {
        TargetQemu qemu = new TargetQemu();
        IncomingLoad load = new IncomingLoad();
        load.onEvent("MIGRATION", status("active"));
        load.onEvent("RESUME", status("completed")); // not a migration event
        load.onEvent("MIGRATION", status("completed"));
        load.awaitCompleted(qemu.ops(), Duration.ofSeconds(5));
        assertEquals(0, qemu.queries.get(), "the event said it: no round trip with the guest paused");
    }

    @Test
    void shouldWakeOnTheEventThatComesWhileItWaits() throws Exception {
        TargetQemu qemu = new TargetQemu();
        IncomingLoad load = new IncomingLoad();
        load.onEvent("MIGRATION", status("active"));
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                load.awaitCompleted(qemu.ops(), Duration.ofSeconds(5));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // It waits: it has taken the first event and looked at QEMU once since (which says "active").
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> qemu.queries.get() >= 1);
        assertFalse(waiting.isDone());
        load.onEvent("MIGRATION", status("completed"));
        waiting.get(5, TimeUnit.SECONDS);
    }

    @Test
    void shouldAskQemuWhenNoEventComes() throws Exception {
        TargetQemu qemu = new TargetQemu();
        qemu.status.set("completed"); // a QEMU without the events capability
        new IncomingLoad().awaitCompleted(qemu.ops(), Duration.ofSeconds(5));
        assertTrue(qemu.queries.get() >= 1);
    }

    @Test
    void shouldFailWhenTheLoadFailedOrNeverEnds() {
        IncomingLoad failed = new IncomingLoad();
        failed.onEvent("MIGRATION", status("failed"));
        var e = assertThrows(IllegalStateException.class, () -> failed.awaitCompleted(new TargetQemu().ops(), Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("failed"), e.getMessage());

        e = assertThrows(IllegalStateException.class, () -> new IncomingLoad().awaitCompleted(new TargetQemu().ops(), Duration.ofMillis(100)));
        assertTrue(e.getMessage().contains("still active"), e.getMessage());
    }
}
