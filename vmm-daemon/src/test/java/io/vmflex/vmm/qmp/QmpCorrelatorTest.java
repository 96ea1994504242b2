package io.vmflex.vmm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Drives the correlator directly: a list stands for the wire, a manual clock for time. */
class QmpCorrelatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A fake clock: tasks run only when the test advances time. */
    private static final class ManualScheduler implements QmpCorrelator.TimeoutScheduler {
        private record Task(long dueNanos, Runnable task, boolean[] cancelled) {}

        private final List<Task> tasks = new ArrayList<>();
        private long nowNanos;

        @Override
        public QmpCorrelator.Cancellable schedule(Duration delay, Runnable task) {
            boolean[] cancelled = {false};
            tasks.add(new Task(nowNanos + delay.toNanos(), task, cancelled));
            return () -> cancelled[0] = true;
        }

        void advance(Duration by) {
            nowNanos += by.toNanos();
            List<Task> due = new ArrayList<>();
            for (Iterator<Task> it = tasks.iterator(); it.hasNext(); ) {
                Task task = it.next();
                if (task.dueNanos <= nowNanos) {
                    it.remove();
                    due.add(task);
                }
            }
            due.stream().filter(t -> !t.cancelled[0]).forEach(t -> t.task.run());
        }

        long live() {
            return tasks.stream().filter(t -> !t.cancelled[0]).count();
        }
    }

    private final List<ObjectNode> wire = new ArrayList<>();
    private final List<QmpEvent> events = new ArrayList<>();
    private final ManualScheduler clock = new ManualScheduler();
    private final QmpCorrelator correlator = new QmpCorrelator(wire::add, clock, events::add, 8, 4);

    private CompletableFuture<JsonNode> submit(String command) {
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        correlator.submit(command, null, TIMEOUT, result);
        return result;
    }

    private static QmpReturn reply(long id, String value) {
        return new QmpReturn(TextNode.valueOf(value), LongNode.valueOf(id));
    }

    private static QmpEvent event(String name) {
        return new QmpEvent(name, JsonNodeFactory.instance.objectNode(), Instant.EPOCH);
    }

    private static long idOf(ObjectNode command) {
        return command.get("id").asLong();
    }

    private static Throwable failure(CompletableFuture<?> future) {
        assertTrue(future.isCompletedExceptionally(), "future should have failed");
        try {
            future.join();
            throw new AssertionError("unreachable");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void shouldSendCommandsWithMonotonicIds() {
        submit("a");
        submit("b");
        submit("c");
        assertEquals(List.of(1L, 2L, 3L), wire.stream().map(QmpCorrelatorTest::idOf).toList());
        assertEquals("b", wire.get(1).get("execute").asText());
    }

    @Test
    void shouldCompleteEachCommandWhenRepliesArriveOutOfOrder() {
        CompletableFuture<JsonNode> first = submit("first");
        CompletableFuture<JsonNode> second = submit("second");
        CompletableFuture<JsonNode> third = submit("third");

        correlator.onMessage(reply(idOf(wire.get(2)), "3"));
        correlator.onMessage(reply(idOf(wire.get(0)), "1"));
        assertFalse(second.isDone());
        correlator.onMessage(reply(idOf(wire.get(1)), "2"));

        assertEquals("1", first.join().asText());
        assertEquals("2", second.join().asText());
        assertEquals("3", third.join().asText());
        assertEquals(0, correlator.inFlightCount());
        assertEquals(0, clock.live(), "timers of answered commands are cancelled");
    }

    @Test
    void shouldDeliverEventsWhenTheyArriveBetweenCommandAndReply() {
        CompletableFuture<JsonNode> status = submit("query-status");
        correlator.onMessage(event("STOP"));
        assertFalse(status.isDone());
        correlator.onMessage(event("RESUME"));
        correlator.onMessage(reply(1, "ok"));

        assertEquals(List.of("STOP", "RESUME"), events.stream().map(QmpEvent::name).toList());
        assertEquals("ok", status.join().asText());
    }

    @Test
    void shouldKeepWorkingWhenEventListenerThrows() {
        QmpCorrelator throwing = new QmpCorrelator(wire::add, clock, e -> {
            throw new IllegalStateException("listener bug");
        }, 8, 4);
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        throwing.submit("query-status", null, TIMEOUT, result);
        throwing.onMessage(event("STOP"));
        throwing.onMessage(reply(1, "ok"));
        assertEquals("ok", result.join().asText());
    }

    @Test
    void shouldFailWithCommandExceptionWhenErrorReplyArrives() {
        CompletableFuture<JsonNode> result = submit("device_del");
        correlator.onMessage(new QmpError("DeviceNotFound", "Device 'x' not found", IntNode.valueOf(1)));

        QmpCommandException error = assertInstanceOf(QmpCommandException.class, failure(result));
        assertEquals("DeviceNotFound", error.errorClass());
        assertEquals("Device 'x' not found", error.desc());
        assertEquals("device_del", error.command());
    }

    @Test
    void shouldTimeOutAndDropTheLateReplyWhenNoReplyInTime() {
        CompletableFuture<JsonNode> slow = submit("slow");
        clock.advance(TIMEOUT.minusMillis(1));
        assertFalse(slow.isDone());
        clock.advance(Duration.ofMillis(1));

        QmpTimeoutException timeout = assertInstanceOf(QmpTimeoutException.class, failure(slow));
        assertEquals("slow", timeout.command());
        assertEquals(1, correlator.inFlightCount(), "QEMU still owes the reply, so the slot stays taken");

        correlator.onMessage(reply(1, "late"));
        assertInstanceOf(QmpTimeoutException.class, failure(slow));
        assertEquals(0, correlator.inFlightCount());
    }

    @Test
    void shouldTimeOutQueuedCommandWithoutEverSendingIt() {
        for (int i = 0; i < 8; i++) {
            submit("busy" + i);
        }
        CompletableFuture<JsonNode> queued = submit("queued");
        clock.advance(TIMEOUT);
        assertInstanceOf(QmpTimeoutException.class, failure(queued));
        assertEquals(0, correlator.queuedCount());

        correlator.onMessage(reply(1, "ok"));
        assertEquals(8, wire.size(), "the timed-out command is not sent when a slot frees up");
    }

    @Test
    void shouldFailEveryPendingCommandAtOnceWhenDisconnected() {
        List<CompletableFuture<JsonNode>> pending = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pending.add(submit("c" + i)); // 8 in flight, 2 queued
        }
        correlator.failAll(new QmpDisconnectedException("QMP connection closed by peer"));

        for (CompletableFuture<JsonNode> future : pending) {
            assertInstanceOf(QmpDisconnectedException.class, failure(future));
        }
        assertEquals(0, clock.live());
        assertInstanceOf(QmpDisconnectedException.class, failure(submit("after")));
        assertEquals(8, wire.size(), "nothing is sent after the disconnect");
    }

    @Test
    void shouldSendTheNinthCommandOnlyWhenOneOfEightInFlightIsAnswered() {
        List<CompletableFuture<JsonNode>> results = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            results.add(submit("c" + i));
        }
        assertEquals(8, wire.size());
        assertEquals(1, correlator.queuedCount());

        correlator.onMessage(event("STOP")); // an event frees nothing
        assertEquals(8, wire.size());

        correlator.onMessage(reply(5, "five"));
        assertEquals(9, wire.size());
        assertEquals("c9", wire.get(8).get("execute").asText());
        assertEquals(9L, idOf(wire.get(8)));
        assertEquals("five", results.get(4).join().asText());
    }

    @Test
    void shouldRejectFastWhenQueueIsFull() {
        for (int i = 0; i < 8 + 4; i++) {
            submit("c" + i);
        }
        QmpOverloadedException overloaded = assertInstanceOf(QmpOverloadedException.class, failure(submit("one-too-many")));
        assertTrue(overloaded.getMessage().contains("one-too-many"));
    }

    @Test
    void shouldSkipCommandWhenCallerCancelledItWhileQueued() {
        for (int i = 0; i < 8; i++) {
            submit("busy" + i);
        }
        CompletableFuture<JsonNode> cancelled = submit("cancelled");
        CompletableFuture<JsonNode> kept = submit("kept");
        cancelled.cancel(false);
        correlator.onMessage(reply(1, "ok"));
        assertEquals("kept", wire.get(8).get("execute").asText());
        correlator.onMessage(reply(9, "kept-ok"));
        assertEquals("kept-ok", kept.join().asText());
    }

    @Test
    void shouldIgnoreRepliesWithUnknownOrMissingId() {
        CompletableFuture<JsonNode> result = submit("query-status");
        correlator.onMessage(reply(99, "stray"));
        correlator.onMessage(new QmpError("GenericError", "JSON parse error", null));
        correlator.onMessage(new QmpReturn(TextNode.valueOf("x"), TextNode.valueOf("not-a-number")));
        assertFalse(result.isDone());
        correlator.onMessage(reply(1, "ok"));
        assertEquals("ok", result.join().asText());
    }

    @Test
    void shouldAllowSubmitFromInsideACompletionCallback() {
        CompletableFuture<JsonNode> chained = new CompletableFuture<>();
        submit("first").thenAccept(v -> correlator.submit("second", null, TIMEOUT, chained));
        correlator.onMessage(reply(1, "one"));
        assertEquals("second", wire.get(1).get("execute").asText());
        correlator.onMessage(reply(2, "two"));
        assertEquals("two", chained.join().asText());
    }
}
