package io.vmflex.vmm.qmp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole client against {@link ScriptedQmpServer} on a real Unix socket. */
class QmpClientIntegrationTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<QmpEvent> events = new CopyOnWriteArrayList<>();
    private final List<Throwable> disconnects = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) {
            closeable.close();
        }
    }

    private Path socket() {
        return dir.resolve("qmp.sock");
    }

    private ScriptedQmpServer server(ScriptedQmpServer.Script script) throws Exception {
        ScriptedQmpServer server = ScriptedQmpServer.start(socket(), script);
        toClose.add(server);
        return server;
    }

    private QmpClientOptions options() {
        return QmpClientOptions.defaults()
                .withConnectTimeout(Duration.ofSeconds(2))
                .withEventListener(events::add)
                .withDisconnectListener(disconnects::add);
    }

    private QmpClient connect() throws Exception {
        QmpClient client = QmpClient.connect(socket(), options()).get(5, TimeUnit.SECONDS);
        toClose.add(client);
        return client;
    }

    /** Answers query-status, echoes arguments of "echo", fails "nope", ignores "hang". */
    private static void standardScript(ScriptedQmpServer.Session session, ObjectNode command) throws java.io.IOException {
        switch (command.path("execute").asText()) {
            case "query-status" -> session.reply(command, MAPPER.createObjectNode().put("status", "running").put("running", true));
            case "echo" -> session.reply(command, command.path("arguments"));
            case "cont" -> {
                session.event("RESUME", null);
                session.event("BALLOON_CHANGE", MAPPER.createObjectNode().put("actual", 1024));
                session.reply(command, MAPPER.createObjectNode());
            }
            case "hang" -> { }
            default -> session.error(command, "CommandNotFound",
                    "The command " + command.path("execute").asText() + " has not been found");
        }
    }

    private static Throwable failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected failure, got success");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void shouldNegotiateCapabilitiesBeforeCompletingConnect() throws Exception {
        ScriptedQmpServer server = server(QmpClientIntegrationTest::standardScript);
        QmpClient client = connect();

        assertEquals(new QemuVersion(7, 2, 0, "scripted"), client.greeting().version());
        assertEquals(List.of("oob"), client.greeting().capabilities());
        assertTrue(client.isConnected());
        ObjectNode first = server.received().poll(5, TimeUnit.SECONDS);
        assertEquals("qmp_capabilities", first.path("execute").asText());
        assertFalse(first.has("arguments"), "no optional capability (oob) is enabled");
    }

    @Test
    void shouldReturnResultWhenCommandSucceeds() throws Exception {
        server(QmpClientIntegrationTest::standardScript);
        QmpClient client = connect();

        JsonNode status = client.execute("query-status", null).get(5, TimeUnit.SECONDS);
        assertEquals("running", status.path("status").asText());

        ObjectNode args = MAPPER.createObjectNode().put("driver", "qemu64-x86_64-cpu").put("core-id", 3);
        assertEquals(args, client.execute("echo", args).get(5, TimeUnit.SECONDS));
    }

    @Test
    void shouldFailWithCommandExceptionWhenServerAnswersError() throws Exception {
        server(QmpClientIntegrationTest::standardScript);
        QmpClient client = connect();

        QmpCommandException error = assertInstanceOf(QmpCommandException.class, failure(client.execute("nope", null)));
        assertEquals("CommandNotFound", error.errorClass());
        assertEquals("nope", error.command());
        assertTrue(client.isConnected(), "an error reply does not hurt the connection");
    }

    @Test
    void shouldDeliverEventsSentBetweenCommandAndReply() throws Exception {
        server(QmpClientIntegrationTest::standardScript);
        QmpClient client = connect();

        client.execute("cont", null).get(5, TimeUnit.SECONDS);
        // Events precede the reply on the stream and are delivered on the same thread first.
        assertEquals(List.of("RESUME", "BALLOON_CHANGE"), events.stream().map(QmpEvent::name).toList());
        assertEquals(1024, events.get(1).data().path("actual").asInt());
    }

    @Test
    void shouldTimeOutAndThenDropTheLateReplyWhenServerIsSlow() throws Exception {
        ScriptedQmpServer server = server(QmpClientIntegrationTest::standardScript);
        QmpClient client = connect();

        CompletableFuture<JsonNode> hung = client.execute("hang", null, Duration.ofMillis(100));
        assertInstanceOf(QmpTimeoutException.class, failure(hung));

        ObjectNode hangCommand = server.received().stream()
                .filter(c -> "hang".equals(c.path("execute").asText())).findFirst().orElseThrow();
        server.sessions().peek().reply(hangCommand, MAPPER.createObjectNode().put("late", true));
        assertEquals("running", client.execute("query-status", null).get(5, TimeUnit.SECONDS).path("status").asText());
        assertTrue(client.isConnected());
    }

    @Test
    void shouldFailAllPendingAndNotifyWhenServerDropsConnection() throws Exception {
        ScriptedQmpServer server = server(QmpClientIntegrationTest::standardScript);
        QmpClient client = connect();

        List<CompletableFuture<JsonNode>> pending = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pending.add(client.execute("hang", null)); // 8 on the wire, 2 queued
        }
        await().atMost(WAIT).until(() -> server.received().size() == 1 + 8);
        server.dropClient();

        for (CompletableFuture<JsonNode> future : pending) {
            assertInstanceOf(QmpDisconnectedException.class, failure(future));
        }
        await().atMost(WAIT).until(() -> disconnects.size() == 1);
        assertFalse(client.isConnected());
        assertInstanceOf(QmpDisconnectedException.class, failure(client.execute("query-status", null)));
    }

    @Test
    void shouldKeepAtMostEightCommandsOnTheWireWhenMoreAreSubmitted() throws Exception {
        List<ObjectNode> held = new CopyOnWriteArrayList<>();
        ScriptedQmpServer server = server((session, command) -> held.add(command));
        QmpClient client = connect();

        List<CompletableFuture<JsonNode>> results = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            results.add(client.execute("c" + i, null));
        }
        await().atMost(WAIT).until(() -> held.size() == 8);
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> held.size() == 8);

        ScriptedQmpServer.Session session = server.sessions().peek();
        session.reply(held.get(3), MAPPER.createObjectNode().put("n", 3));
        await().atMost(WAIT).until(() -> held.size() == 9);
        assertEquals("c8", held.get(8).path("execute").asText());
        assertEquals(3, results.get(3).get(5, TimeUnit.SECONDS).path("n").asInt());
    }

    @Test
    void shouldFailConnectWhenSocketDoesNotExist() throws Exception {
        CompletableFuture<QmpClient> connecting = QmpClient.connect(dir.resolve("absent.sock"), options());
        assertInstanceOf(QmpConnectException.class, failure(connecting));
    }

    @Test
    void shouldTimeOutConnectWhenServerNeverGreets() throws Exception {
        toClose.add(ScriptedQmpServer.silent(socket()));
        CompletableFuture<QmpClient> connecting =
                QmpClient.connect(socket(), options().withConnectTimeout(Duration.ofMillis(200)));
        QmpTimeoutException timeout = assertInstanceOf(QmpTimeoutException.class, failure(connecting));
        assertEquals("connect", timeout.command());
    }

    @Test
    void shouldFailPendingAndLaterCommandsWhenClosedAndNotCallDisconnectListener() throws Exception {
        server(QmpClientIntegrationTest::standardScript);
        QmpClient client = connect();
        CompletableFuture<JsonNode> pending = client.execute("hang", null);

        client.close();
        client.close(); // idempotent

        assertTrue(pending.isDone(), "close waits until pending commands have failed");
        assertInstanceOf(QmpDisconnectedException.class, failure(pending));
        assertInstanceOf(QmpDisconnectedException.class, failure(client.execute("query-status", null)));
        assertFalse(client.isConnected());
        assertTrue(disconnects.isEmpty());
    }

    @Test
    void shouldReconnectAndRenegotiateWhenServerRestartsOnTheSamePath() throws Exception {
        ScriptedQmpServer first = ScriptedQmpServer.start(socket(), QmpClientIntegrationTest::standardScript);
        List<QmpConnectionState> states = new CopyOnWriteArrayList<>();
        ReconnectingQmpClient client = ReconnectingQmpClient.start(socket(), options(),
                new ReconnectingQmpClient.Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), states::add);
        toClose.add(client);

        client.whenConnected().get(5, TimeUnit.SECONDS);
        assertEquals("running", client.execute("query-status", null).get(5, TimeUnit.SECONDS).path("status").asText());

        first.close(); // QEMU (or the daemon's view of it) goes away; the socket file is removed
        await().atMost(WAIT).until(() -> !client.isConnected());
        QmpDisconnectedException fast = assertInstanceOf(QmpDisconnectedException.class,
                failure(client.execute("query-status", null)));
        assertTrue(fast.getMessage().contains("not connected"), fast.getMessage());
        await().atMost(WAIT).until(() -> states.stream().filter(s -> s instanceof QmpConnectionState.Connecting c
                && c.attempt() >= 2).count() >= 1); // it keeps retrying while nobody listens

        ScriptedQmpServer second = server((session, command) ->
                session.reply(command, MAPPER.createObjectNode().put("server", 2)));
        client.whenConnected().get(5, TimeUnit.SECONDS);
        assertEquals(2, client.execute("anything", null).get(5, TimeUnit.SECONDS).path("server").asInt());
        assertEquals("qmp_capabilities", second.received().peek().path("execute").asText());

        assertInstanceOf(QmpConnectionState.Connected.class, states.getLast());
        assertTrue(states.stream().anyMatch(s -> s instanceof QmpConnectionState.Disconnected));
        assertEquals(1, disconnects.size());
    }

    @Test
    void shouldConnectWhenServerAppearsAfterTheClientStarted() throws Exception {
        ReconnectingQmpClient client = ReconnectingQmpClient.start(socket(), options(),
                new ReconnectingQmpClient.Backoff(Duration.ofMillis(10), Duration.ofMillis(50)), null);
        toClose.add(client);
        CompletableFuture<QmpGreeting> connected = client.whenConnected();
        await().atMost(WAIT).until(() -> client.state() instanceof QmpConnectionState.Disconnected);
        assertFalse(connected.isDone());

        server(QmpClientIntegrationTest::standardScript);
        assertEquals("scripted", connected.get(5, TimeUnit.SECONDS).version().packageName());
        assertTrue(client.isConnected());
    }

    @Test
    void shouldStopAndFailWaitersWhenReconnectingClientIsClosed() throws Exception {
        ReconnectingQmpClient client = ReconnectingQmpClient.start(socket(), options(),
                ReconnectingQmpClient.Backoff.defaults(), null);
        CompletableFuture<QmpGreeting> connected = client.whenConnected();
        client.close();
        client.close();
        assertInstanceOf(QmpDisconnectedException.class, failure(connected));
        assertInstanceOf(QmpConnectionState.Closed.class, client.state());
        assertInstanceOf(QmpDisconnectedException.class, failure(client.execute("query-status", null)));
    }
}
