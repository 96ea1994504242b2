package io.vmflex.vmm.migration.outgoing;

import io.vmflex.migration.ControlChannel;
import io.vmflex.migration.ControlCodec;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import io.vmflex.migration.MigrationControl;
import io.vmflex.vmm.migration.incoming.StepGate;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link ControlPath} that joins a source and a target daemon's code in one process, with the
 * network's failures scripted per request kind. Every request and reply goes through the control
 * protocol's codec ({@link ControlChannel#serving}), as on the wire.
 *
 * <p>Thread-safe.
 */
final class WirePath implements ControlPath {

    /** What the network does to the next request of a kind. */
    enum Fault {
        /** Delivered, answered, and the answer lost on the way back. */
        LOSE_ANSWER,
        /** Never delivered, and the source can tell (no connection). */
        NOT_DELIVERED,
        /** Still on its way when the source gives up waiting; {@link #deliverInFlight} delivers it. */
        IN_FLIGHT,
        /** Delivered, but the source gives up waiting at once while the target still works on it. */
        SLOW_ANSWER
    }

    private final MigrationControl.Handler target;
    private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
    private final Map<String, Runnable> afterAnswer = new ConcurrentHashMap<>();
    private final Map<String, StepGate> slowUntil = new ConcurrentHashMap<>();
    private final Deque<ControlRequest> inFlight = new ArrayDeque<>();
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<ControlReply>> background = new CopyOnWriteArrayList<>();

    WirePath(ControlChannel.Service target) {
        this.target = ControlChannel.serving(target);
    }

    static String op(ControlRequest r) {
        return switch (r) {
            case ControlRequest.Prepare p -> "prepare";
            case ControlRequest.Commit c -> "commit";
            case ControlRequest.Abort a -> "abort";
            case ControlRequest.Fence f -> "fence";
        };
    }

    /** The next request of kind {@code op} ("prepare", "commit", "abort", "fence") meets {@code fault}. */
    WirePath fault(String op, Fault fault) {
        faults.computeIfAbsent(op, k -> new ArrayDeque<>()).add(fault);
        return this;
    }

    /**
     * The next request of kind {@code op} is {@link Fault#SLOW_ANSWER}, and the source gives up
     * waiting only once the target's work on it reached {@code step}.
     */
    WirePath slowAnswerHeldAt(String op, StepGate step) {
        slowUntil.put(op, step);
        return fault(op, Fault.SLOW_ANSWER);
    }

    /** Runs {@code then} once, right after the target answered the next request of kind {@code op}. */
    WirePath afterAnswer(String op, Runnable then) {
        afterAnswer.put(op, then);
        return this;
    }

    /** The requests the source sent, by kind, in order. */
    List<String> sent() {
        return List.copyOf(sent);
    }

    /** Delivers the oldest request still on its way, on this thread; its answer reaches nobody. */
    ControlReply deliverInFlight() throws IOException {
        ControlRequest r;
        synchronized (inFlight) {
            r = inFlight.poll();
        }
        if (r == null) {
            throw new IllegalStateException("no request on its way");
        }
        return deliver(r);
    }

    /** The answers to {@link Fault#SLOW_ANSWER} requests, which the source stopped waiting for. */
    List<CompletableFuture<ControlReply>> unheardAnswers() {
        return List.copyOf(background);
    }

    private ControlReply deliver(ControlRequest r) throws IOException {
        try {
            return ControlCodec.decodeReply(target.handle(ControlCodec.encode(r)));
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    @Override
    public ControlReply call(ControlRequest request, Duration timeout) throws IOException {
        String op = op(request);
        sent.add(op);
        Deque<Fault> q = faults.get(op);
        Fault fault;
        synchronized (this) {
            fault = q == null ? null : q.poll();
        }
        if (fault == null) {
            ControlReply reply = deliver(request);
            Runnable then = afterAnswer.remove(op);
            if (then != null) {
                then.run();
            }
            return reply;
        }
        switch (fault) {
            case LOSE_ANSWER -> {
                deliver(request);
                throw new IOException("scripted: the answer to " + op + " was lost");
            }
            case NOT_DELIVERED -> throw new NotDelivered("scripted: " + op + " never reached the target", null);
            case IN_FLIGHT -> {
                synchronized (inFlight) {
                    inFlight.add(request);
                }
                throw new IOException("scripted: no answer to " + op + " in time (it is still on its way)");
            }
            case SLOW_ANSWER -> {
                CompletableFuture<ControlReply> answer = new CompletableFuture<>();
                background.add(answer);
                Thread.ofVirtual().name("slow-" + op).start(() -> {
                    try {
                        answer.complete(deliver(request));
                    } catch (Throwable e) {
                        answer.completeExceptionally(e);
                    }
                });
                StepGate step = slowUntil.remove(op);
                if (step != null) {
                    try {
                        step.awaitReached();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
                throw new IOException("scripted: no answer to " + op + " in time (the target still works on it)");
            }
        }
        throw new AssertionError(fault);
    }

    @Override
    public Held openAhead() {
        return new Held() {
            @Override
            public void refresh() {
            }

            @Override
            public ControlReply call(ControlRequest request, Duration timeout) throws IOException {
                return WirePath.this.call(request, timeout);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public Duration retryPause() {
        return Duration.ofMillis(1);
    }
}
