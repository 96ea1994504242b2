package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Correlator: gives each command an id, matches replies to commands by id, forwards events,
 * enforces timeouts and the in-flight limit. No Netty and no socket: it talks to the wire through
 * {@link Transport} and to the clock through {@link TimeoutScheduler}, so tests drive it directly.
 *
 * <pre>
 *   submit ──► queue (≤ maxQueued) ──► in flight (≤ maxInFlight, id → command) ──► Transport.send
 *                                            ▲
 *   onMessage(QmpReturn / QmpError) ─────────┘ completes the future, frees the slot, sends the next
 *   onMessage(QmpEvent) ──► event sink
 * </pre>
 *
 * <p>A command holds its slot until its reply arrives, even after it timed out: QEMU runs the
 * commands of one monitor one at a time and queues at most 8, so a slot is only truly free when
 * QEMU answered. A late reply is dropped (debug log). Ids are monotonic from 1 in send order.
 *
 * <p>Not thread-safe: one owner thread (the connection's event loop) calls every method, and the
 * timeout tasks must run on that same thread. Futures are completed on that thread.
 */
final class QmpCorrelator {

    private static final Logger LOG = LoggerFactory.getLogger(QmpCorrelator.class);

    /** Writes one command object to the wire. */
    @FunctionalInterface
    interface Transport {
        void send(ObjectNode command);
    }

    /** Runs a task on the owner thread after a delay; the returned handle cancels it. */
    @FunctionalInterface
    interface TimeoutScheduler {
        Cancellable schedule(Duration delay, Runnable task);
    }

    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    private static final class Pending {
        final String command;
        final ObjectNode arguments;
        final Duration timeout;
        final CompletableFuture<JsonNode> result;
        Cancellable timer;
        long id; // 0 until sent

        Pending(String command, ObjectNode arguments, Duration timeout, CompletableFuture<JsonNode> result) {
            this.command = command;
            this.arguments = arguments;
            this.timeout = timeout;
            this.result = result;
        }
    }

    private final Transport transport;
    private final TimeoutScheduler scheduler;
    private final Consumer<QmpEvent> eventSink;
    private final int maxInFlight;
    private final int maxQueued;

    private final Map<Long, Pending> inFlight = new HashMap<>();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private long lastId;
    private QmpDisconnectedException closedCause;

    QmpCorrelator(Transport transport, TimeoutScheduler scheduler, Consumer<QmpEvent> eventSink,
            int maxInFlight, int maxQueued) {
        if (maxInFlight < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("maxInFlight must be >= 1 and maxQueued >= 0");
        }
        this.transport = Objects.requireNonNull(transport);
        this.scheduler = Objects.requireNonNull(scheduler);
        this.eventSink = Objects.requireNonNull(eventSink);
        this.maxInFlight = maxInFlight;
        this.maxQueued = maxQueued;
    }

    /**
     * Sends the command now if a slot is free, else queues it; {@code result} completes with the
     * {@code return} value or exceptionally with a {@link QmpException}.
     */
    void submit(String command, ObjectNode arguments, Duration timeout, CompletableFuture<JsonNode> result) {
        if (closedCause != null) {
            result.completeExceptionally(new QmpDisconnectedException(
                    command + " not sent: " + closedCause.getMessage(), closedCause.getCause()));
            return;
        }
        if (inFlight.size() >= maxInFlight && queue.size() >= maxQueued) {
            result.completeExceptionally(new QmpOverloadedException(command, inFlight.size(), queue.size()));
            return;
        }
        Pending pending = new Pending(command, arguments, timeout, result);
        pending.timer = scheduler.schedule(timeout, () -> onTimeout(pending));
        queue.add(pending);
        pump();
    }

    /** Routes one decoded message (not the greeting, which the connection handles). */
    void onMessage(QmpMessage message) {
        switch (message) {
            case QmpReturn reply -> complete(reply.id(), pending -> pending.result.complete(reply.value()));
            case QmpError error -> complete(error.id(), pending -> pending.result.completeExceptionally(
                    new QmpCommandException(error.errorClass(), error.desc(), pending.command)));
            case QmpEvent event -> deliver(event);
            case QmpGreeting greeting -> LOG.warn("ignoring unexpected QMP greeting mid-session: {}", greeting);
        }
    }

    /** The connection is gone: fails every queued and in-flight command, and every later submit. */
    void failAll(QmpDisconnectedException cause) {
        if (closedCause != null) {
            return;
        }
        closedCause = cause;
        List<Pending> all = new ArrayList<>(inFlight.values());
        all.addAll(queue);
        inFlight.clear();
        queue.clear();
        for (Pending pending : all) {
            pending.timer.cancel();
            pending.result.completeExceptionally(new QmpDisconnectedException(
                    pending.command + " lost: " + cause.getMessage(), cause.getCause()));
        }
    }

    int inFlightCount() {
        return inFlight.size();
    }

    int queuedCount() {
        return queue.size();
    }

    private void complete(JsonNode id, Consumer<Pending> completion) {
        if (id == null || !id.canConvertToLong()) {
            LOG.warn("dropping QMP reply without a usable id: {}", id);
            return;
        }
        Pending pending = inFlight.remove(id.asLong());
        if (pending == null) {
            LOG.warn("dropping QMP reply for unknown id {}", id);
            return;
        }
        pending.timer.cancel();
        if (pending.result.isDone()) {
            LOG.debug("dropping late QMP reply to {} (id {}): it already timed out or was cancelled",
                    pending.command, pending.id);
        } else {
            completion.accept(pending);
        }
        pump();
    }

    private void onTimeout(Pending pending) {
        if (pending.result.isDone()) {
            return;
        }
        if (pending.id == 0) {
            queue.remove(pending);
        }
        // An in-flight command keeps its slot until QEMU answers; see the class doc.
        pending.result.completeExceptionally(new QmpTimeoutException(pending.command, pending.timeout));
    }

    private void pump() {
        while (closedCause == null && inFlight.size() < maxInFlight && !queue.isEmpty()) {
            Pending pending = queue.poll();
            if (pending.result.isDone()) {
                pending.timer.cancel(); // cancelled by the caller while queued
                continue;
            }
            pending.id = ++lastId;
            inFlight.put(pending.id, pending);
            transport.send(QmpMessages.command(pending.command, pending.arguments, pending.id));
        }
    }

    private void deliver(QmpEvent event) {
        try {
            eventSink.accept(event);
        } catch (RuntimeException e) {
            LOG.warn("QMP event listener threw on {}", event.name(), e);
        }
    }
}
