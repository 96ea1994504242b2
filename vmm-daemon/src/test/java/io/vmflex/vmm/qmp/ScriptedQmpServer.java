package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A fake QEMU monitor on a real Unix socket, for integration tests. Plain blocking JDK sockets and
 * Jackson's own streaming reader, so it shares no code with the client under test.
 *
 * <p>Serves one client at a time, like QEMU: sends the greeting, answers {@code qmp_capabilities}
 * itself, and hands every other command to the {@link Script}. The script runs on the server
 * thread; it can answer at once, send events first, or keep the command and answer later from
 * the test thread ({@link Session} writes are synchronized). Every received command, including
 * {@code qmp_capabilities}, is recorded in {@link #received()}.
 */
final class ScriptedQmpServer implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @FunctionalInterface
    interface Script {
        void onCommand(Session session, ObjectNode command) throws IOException;
    }

    /** One accepted connection. */
    static final class Session {
        private final SocketChannel channel;

        Session(SocketChannel channel) {
            this.channel = channel;
        }

        void reply(ObjectNode command, JsonNode value) throws IOException {
            ObjectNode reply = MAPPER.createObjectNode();
            reply.set("return", value);
            copyId(command, reply);
            send(reply.toString());
        }

        void error(ObjectNode command, String errorClass, String desc) throws IOException {
            ObjectNode reply = MAPPER.createObjectNode();
            reply.putObject("error").put("class", errorClass).put("desc", desc);
            copyId(command, reply);
            send(reply.toString());
        }

        void event(String name, JsonNode data) throws IOException {
            ObjectNode event = MAPPER.createObjectNode();
            event.put("event", name);
            if (data != null) {
                event.set("data", data);
            }
            event.putObject("timestamp").put("seconds", 1_700_000_000L).put("microseconds", 42);
            send(event.toString());
        }

        /** Sends bytes as they are (QEMU would append "\r\n"; tests may not). */
        synchronized void send(String text) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap((text + "\r\n").getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        void drop() throws IOException {
            channel.close();
        }

        private static void copyId(ObjectNode command, ObjectNode reply) {
            if (command.has("id")) {
                reply.set("id", command.get("id"));
            }
        }
    }

    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7},"
            + " \"package\": \"scripted\"}, \"capabilities\": [\"oob\"]}}";

    private final Path path;
    private final ServerSocketChannel server;
    private final Script script;
    private final boolean sendGreeting;
    private final BlockingQueue<ObjectNode> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile Session current;

    private ScriptedQmpServer(Path path, Script script, boolean sendGreeting) throws IOException {
        this.path = path;
        this.script = script;
        this.sendGreeting = sendGreeting;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        this.thread = Thread.ofPlatform().daemon().name("scripted-qmp-" + path.getFileName()).start(this::serve);
    }

    static ScriptedQmpServer start(Path path, Script script) throws IOException {
        return new ScriptedQmpServer(path, script, true);
    }

    /** A server that accepts but never greets (to test the connect timeout). */
    static ScriptedQmpServer silent(Path path) throws IOException {
        return new ScriptedQmpServer(path, (s, c) -> { }, false);
    }

    /** Commands received so far, oldest first, across all sessions. */
    BlockingQueue<ObjectNode> received() {
        return received;
    }

    /** Sessions in accept order (taken by tests that drive a session by hand). */
    BlockingQueue<Session> sessions() {
        return sessions;
    }

    /** Drops the current client connection, keeps listening. */
    void dropClient() throws IOException {
        Session session = current;
        if (session != null) {
            session.drop();
        }
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel channel = server.accept()) {
                Session session = new Session(channel);
                current = session;
                sessions.add(session);
                if (sendGreeting) {
                    session.send(GREETING);
                }
                InputStream in = Channels.newInputStream(channel);
                try (MappingIterator<ObjectNode> commands = MAPPER.readerFor(ObjectNode.class).readValues(in)) {
                    while (commands.hasNextValue()) {
                        ObjectNode command = commands.nextValue();
                        received.add(command);
                        if ("qmp_capabilities".equals(command.path("execute").asText())) {
                            session.reply(command, MAPPER.createObjectNode());
                        } else {
                            script.onCommand(session, command);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Client went away, the script dropped it, or the server closed: accept the next.
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropClient();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
