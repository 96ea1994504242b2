package io.vmflex.vmm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.validation.Manifests;
import io.vmflex.api.validation.VmDefaults;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.vmm.console.ConsoleLog;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.http.StreamStats;
import io.vmflex.vmm.it.UnixHttp;
import io.vmflex.vmm.store.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin API under clients that stop reading or leave, and under work that blocks: a stream
 * whose reader fell behind is closed with a last line saying why, what the daemon holds for it
 * stays bounded, its follower or watcher is removed, and every other call is answered while a
 * VM's recovery blocks.
 */
class SlowClientsTest {
    private static final long LIMIT = 64 * 1024;
    private static final int CHUNK = 16 * 1024;
    /** Far more than any kernel socket buffer plus the limit: a stream still open after this is unbounded. */
    private static final long GIVE_UP_BYTES = 64L << 20;
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


    private void create(String name) throws IOException {
        UnixHttp.Response r = daemon.http().send("POST", "/v1/vms", "application/yaml", InProcessDaemon.vmYaml(name));
        assertEquals(201, r.status(), r.body());
    }

    @Test
    void shouldCloseAndBoundAConsoleFollowWhoseClientStopsReading() throws Exception {
        daemon = InProcessDaemon.start(dir, LIMIT);
        create("chatty");
        ConsoleLog console = daemon.service().supervisor("chatty").console();
        StreamStats streams = daemon.streams();
        byte[] output = ("x".repeat(1023) + "\n").repeat(CHUNK / 1024).getBytes(StandardCharsets.US_ASCII);

        try (SocketChannel client = request("GET /v1/vms/chatty/console?follow=true&tail=0")) {
            await().until(() -> console.followers() == 1);
            long written = writeUntilDropped(streams, () -> {
                console.append(output, 0, output.length);
                return output.length;
            });

            assertTrue(streams.peakStreamBytes() <= LIMIT + 1024,
                    "the daemon held " + streams.peakStreamBytes() + " bytes for one stream; limit " + LIMIT);
            String body = readToEnd(client);
            assertTrue(body.length() < written, "the client got all " + written + " bytes: nothing was dropped");
            String last = body.strip().lines().toList().getLast();
            assertTrue(last.contains("fell more than " + LIMIT + " bytes behind"), last);
        }
        await().until(() -> console.followers() == 0 && streams.openStreams() == 0 && streams.bufferedBytes() == 0);
    }

    @Test
    void shouldCloseAndBoundAnEventWatchWhoseClientStopsReading() throws Exception {
        daemon = InProcessDaemon.start(dir, LIMIT);
        StreamStats streams = daemon.streams();
        int watchersBefore = daemon.events().watchers();
        String message = "m".repeat(CHUNK);

        try (SocketChannel client = request("GET /v1/events?watch=true")) {
            await().until(() -> daemon.events().watchers() == watchersBefore + 1);
            writeUntilDropped(streams, () -> {
                daemon.events().publish(VmEvent.normal("noisy", "Chatter", message));
                return message.length();
            });

            assertTrue(streams.peakStreamBytes() <= LIMIT + 1024,
                    "the daemon held " + streams.peakStreamBytes() + " bytes for one stream; limit " + LIMIT);
            List<String> lines = readToEnd(client).strip().lines().toList();
            JsonNode last = JSON.readTree(lines.getLast());
            assertEquals("WatchClosed", last.path("reason").asText(), lines.getLast());
            assertTrue(last.path("message").asText().contains("fell more than " + LIMIT + " bytes behind"), lines.getLast());
        }
        await().until(() -> daemon.events().watchers() == watchersBefore && streams.openStreams() == 0
                && streams.bufferedBytes() == 0);
    }

    @Test
    void shouldAnswerOtherCallsWhileAVmsRecoveryBlocks() throws Exception {
        daemon = InProcessDaemon.start(dir);
        CompletableFuture<Void> recovering = new CompletableFuture<>();
        CountDownLatch release = new CountDownLatch(1);
        daemon.onRecovery((vm, paths, qemu) -> {
            recovering.complete(null);
            awaitQuietly(release);
        });
        // As a migration's commit hands it over: the VM's folder written, then adopted.
        VirtualMachine arriving = Metadata.stampCreated(VmDefaults.apply(Manifests.parse(
                InProcessDaemon.vmYaml("arriving").getBytes(StandardCharsets.UTF_8), true)), "uid-arriving", Instant.now());
        new StateStore(dir.resolve("state")).saveVm(arriving);
        CompletableFuture<Void> adopted = CompletableFuture.runAsync(() -> {
            try {
                daemon.registry().adopt(arriving, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            CompletableFuture.anyOf(recovering, adopted).get(60, TimeUnit.SECONDS);
            assertTrue(recovering.isDone(), () -> "the adoption ended without recovering: " + adopted);
            // The recovery blocks until released below: every answer here arrived while it did. (The
            // adoption stops waiting for a recovery after 30 s; the guard ends the test before that.)
            assertTimeoutPreemptively(Duration.ofSeconds(25), () -> {
                UnixHttp http = daemon.http();
                assertEquals(200, http.get("/v1/vms").status());
                assertEquals(200, http.get("/v1/node").status());
                UnixHttp.Response other = http.send("POST", "/v1/vms", "application/yaml", InProcessDaemon.vmYaml("other"));
                assertEquals(201, other.status(), other.body());
                UnixHttp.Response same = http.send("POST", "/v1/vms", "application/yaml", InProcessDaemon.vmYaml("arriving"));
                assertEquals(409, same.status(), same.body());
                assertTrue(same.body().contains("migrating to this node"), same.body());
            }, "an API call waited for the blocked recovery");
            assertFalse(adopted.isDone(), "the adoption ended before the API answered");
        } finally {
            release.countDown();
            // The adoption goes on to start the VM's QEMU: let it finish before the daemon closes.
            adopted.handle((done, failed) -> null).get(60, TimeUnit.SECONDS);
        }
        adopted.get();
        assertEquals(200, daemon.http().get("/v1/vms/arriving").status());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A request sent on a connection of its own, whose answer nobody reads until the test does. */
    private SocketChannel request(String requestLine) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(daemon.socket()));
        ByteBuffer out = ByteBuffer.wrap((requestLine + " HTTP/1.1\r\nHost: vmmd\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            ch.write(out);
        }
        return ch;
    }

    /** Produces output until the daemon drops the stream; returns how many bytes were produced. */
    private static long writeUntilDropped(StreamStats streams, Output produce) throws IOException {
        long written = 0;
        while (streams.slowReadersClosed() == 0) {
            if (written > GIVE_UP_BYTES) {
                throw new AssertionError("the stream was not closed after " + written + " bytes its client did not read;"
                        + " the daemon holds " + streams.bufferedBytes());
            }
            written += produce.next();
        }
        return written;
    }

    /** Makes the daemon write something to the stream; returns how many bytes. */
    @FunctionalInterface
    private interface Output {
        int next() throws IOException;
    }

    /** Everything the daemon sends until it closes the connection, de-chunked. */
    private static String readToEnd(SocketChannel ch) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            while (ch.read(in) >= 0) {
                all.write(in.array(), 0, in.position());
                in.clear();
            }
        }, "the daemon did not end the stream");
        String text = all.toString(StandardCharsets.ISO_8859_1);
        int pos = text.indexOf("\r\n\r\n") + 4;
        StringBuilder body = new StringBuilder();
        while (pos < text.length()) {
            int eol = text.indexOf("\r\n", pos);
            int len = Integer.parseInt(text.substring(pos, eol).trim(), 16);
            if (len == 0) {
                break;
            }
            body.append(text, eol + 2, eol + 2 + len);
            pos = eol + 2 + len + 2;
        }
        return body.toString();
    }
}
