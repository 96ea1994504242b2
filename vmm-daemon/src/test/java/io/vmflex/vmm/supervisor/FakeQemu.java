package io.vmflex.vmm.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.vmm.qemu.QmpConnector;
import io.vmflex.vmm.qemu.QmpSession;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * QMP of a QEMU with one vCPU plugged of two and virtio-mem at 0, as far as the supervisor asks:
 * run state ({@code query-status}, {@code stop}, {@code cont}), migration state ({@code query-migrate},
 * {@code migrate_cancel}), and what scaling observes. Each command is recorded with the thread that
 * sent it. A scripted number of {@code cont} calls time out, as against a QEMU that does not answer;
 * a command can be made to answer (and take effect) only after a delay, as a slow QEMU does.
 *
 * <p>Thread-safe.
 */
final class FakeQemu implements QmpConnector {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One command as the fake saw it. */
    record Command(String name, String thread) {
    }

    private final List<Command> commands = new ArrayList<>();
    private final AtomicInteger connects = new AtomicInteger();
    private String runState = "running";
    private String migration = "none";
    private int contTimeouts;
    private final Map<String, Duration> delays = new HashMap<>();
    private Session session;
    private Runnable onPowerdown = () -> { };
    private Runnable onQuit = () -> { };

    synchronized void runState(String s) {
        runState = s;
    }

    synchronized String runState() {
        return runState;
    }

    /** QEMU's own migration state, as {@code query-migrate} reports it ("none": never migrated). */
    synchronized void migration(String s) {
        migration = s;
    }

    /** The next {@code n} {@code cont} commands time out and change nothing. */
    synchronized void contTimesOut(int n) {
        contTimeouts = n;
    }

    /** {@code command} answers, and takes effect, {@code delay} after it was sent. */
    synchronized void delay(String command, Duration delay) {
        delays.put(command, delay);
    }

    /** What pressing the power button does (nothing: a guest that ignores it). */
    synchronized void onPowerdown(Runnable r) {
        onPowerdown = r;
    }

    /** What {@code quit} does besides answering. */
    synchronized void onQuit(Runnable r) {
        onQuit = r;
    }

    synchronized List<Command> commands() {
        return List.copyOf(commands);
    }

    long count(String command) {
        return commands().stream().filter(c -> c.name().equals(command)).count();
    }

    int connects() {
        return connects.get();
    }

    synchronized Session session() {
        return session;
    }

    @Override
    public synchronized QmpSession connect(Path socket, BiConsumer<String, JsonNode> onEvent, Runnable onDisconnect) {
        connects.incrementAndGet();
        session = new Session(onEvent, onDisconnect);
        return session;
    }

    private CompletableFuture<JsonNode> send(String command, ObjectNode args) {
        Duration delay;
        synchronized (this) {
            commands.add(new Command(command, Thread.currentThread().getName()));
            delay = delays.get(command);
        }
        if (delay == null) {
            return answer(command, args);
        }
        return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS))
                .thenCompose(x -> answer(command, args));
    }

    private synchronized CompletableFuture<JsonNode> answer(String command, ObjectNode args) {
        ObjectNode ok = NODES.objectNode();
        switch (command) {
            case "query-status" -> {
                ok.put("status", runState);
                ok.put("running", runState.equals("running"));
                return CompletableFuture.completedFuture(ok);
            }
            case "stop" -> runState = "paused";
            case "cont" -> {
                if (contTimeouts > 0) {
                    contTimeouts--;
                    return CompletableFuture.failedFuture(new TimeoutException("no answer to cont"));
                }
                runState = "running";
            }
            case "query-migrate" -> {
                if (!migration.equals("none")) {
                    ok.put("status", migration);
                }
            }
            case "migrate_cancel" -> {
                if (!migration.equals("none")) {
                    migration = "cancelled";
                }
            }
            case "query-hotpluggable-cpus" -> {
                ArrayNode slots = NODES.arrayNode();
                for (int socket = 0; socket < 2; socket++) {
                    ObjectNode slot = slots.addObject();
                    slot.put("type", "qemu64-x86_64-cpu");
                    slot.putObject("props").put("socket-id", socket).put("core-id", 0).put("thread-id", 0);
                    if (socket == 0) {
                        slot.put("qom-path", "/machine/unattached/device[0]");
                    }
                }
                return CompletableFuture.completedFuture(slots);
            }
            case "qom-get" -> {
                return CompletableFuture.completedFuture(NODES.numberNode(0L));
            }
            case "system_powerdown" -> onPowerdown.run();
            case "quit" -> onQuit.run();
            case "qom-set" -> {
                // the requested size is already 0
            }
            default -> {
                return CompletableFuture.failedFuture(new IllegalArgumentException("FakeQemu: no " + command));
            }
        }
        return CompletableFuture.completedFuture(ok);
    }

    /** One QMP connection; {@link #drop} and {@link #emit} act as QEMU's side, on the caller's thread. */
    final class Session implements QmpSession {
        private final BiConsumer<String, JsonNode> onEvent;
        private final Runnable onDisconnect;
        private volatile boolean connected = true;

        private Session(BiConsumer<String, JsonNode> onEvent, Runnable onDisconnect) {
            this.onEvent = onEvent;
            this.onDisconnect = onDisconnect;
        }

        @Override
        public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
            if (!connected) {
                return CompletableFuture.failedFuture(new IllegalStateException("not connected"));
            }
            return send(command, arguments);
        }

        @Override
        public boolean isConnected() {
            return connected;
        }

        @Override
        public void close() {
            connected = false;
        }

        /** The connection breaks; the disconnect callback runs on the calling thread, as on a QMP I/O thread. */
        void drop() {
            connected = false;
            onDisconnect.run();
        }

        /** QEMU sends an event; the callback runs on the calling thread, as on a QMP I/O thread. */
        void emit(String event) {
            onEvent.accept(event, NODES.objectNode());
        }
    }
}
