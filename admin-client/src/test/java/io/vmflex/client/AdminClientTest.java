package io.vmflex.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class AdminClientTest {

    @TempDir
    Path dir;

    private FakeDaemon daemon;

    @BeforeEach
    void start() throws IOException {
        daemon = new FakeDaemon(dir);
    }

    @AfterEach
    void stop() throws IOException {
        daemon.close();
    }

    @Test
    void shouldSendRequestAndReturnResponseWhenDaemonAnswers() {
        daemon.onJson("PUT /v1/vms/a", 201, "{\"metadata\":{\"name\":\"a\"}}");
        try (AdminClient client = new AdminClient(daemon.socket())) {
            Response response = client.request("PUT", "/v1/vms/a", "application/yaml",
                    "kind: VirtualMachine\n".getBytes(StandardCharsets.UTF_8));
            assertEquals(201, response.status());
            assertEquals("application/json", response.contentType());
            assertEquals("{\"metadata\":{\"name\":\"a\"}}", response.bodyText());
        }
        FakeDaemon.Recorded request = daemon.onlyRequest();
        assertEquals("PUT", request.method());
        assertEquals("application/yaml", request.contentType());
        assertEquals("kind: VirtualMachine\n", request.bodyText());
        assertEquals("close", request.headers().get("connection"));
    }

    @Test
    void shouldReturnErrorStatusWithoutThrowingWhenServerSays404() {
        try (AdminClient client = new AdminClient(daemon.socket())) {
            Response response = client.request("GET", "/v1/vms/nope", null, null);
            assertEquals(404, response.status());
            ServerErrorException e = assertThrows(ServerErrorException.class, response::requireSuccess);
            assertEquals("Error from server (NotFound): no route /v1/vms/nope", e.getMessage());
        }
    }

    @Test
    void shouldDeliverEachLineBeforeTheStreamEndsWhenChunked() {
        CountDownLatch firstSeen = new CountDownLatch(1);
        daemon.on("GET /v1/events?watch=true", (req, out) -> {
            out.write(FakeDaemon.chunkedHead(200, "application/x-ndjson"));
            out.write(FakeDaemon.chunk("{\"n\":1}\n{\"n\""));
            out.flush();
            // the second line is only sent once the client has printed the first: proves streaming
            if (!firstSeen.await(10, TimeUnit.SECONDS)) {
                return;
            }
            out.write(FakeDaemon.chunk(":2}\nlast-without-newline"));
            out.write(FakeDaemon.lastChunk());
        });
        List<String> lines = new CopyOnWriteArrayList<>();
        try (AdminClient client = new AdminClient(daemon.socket())) {
            client.stream("/v1/events?watch=true", line -> {
                lines.add(line);
                firstSeen.countDown();
            });
        }
        assertEquals(List.of("{\"n\":1}", "{\"n\":2}", "last-without-newline"), lines);
    }

    @Test
    void shouldEndStreamQuietlyWhenThreadIsInterrupted() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        daemon.on("GET /v1/vms/a/console?follow=true", (req, out) -> {
            out.write(FakeDaemon.chunkedHead(200, "text/plain"));
            out.write(FakeDaemon.chunk("booting\n"));
            out.flush();
            release.await(10, TimeUnit.SECONDS);
        });
        List<String> lines = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch gotLine = new CountDownLatch(1);
        boolean[] interruptedAfter = new boolean[1];
        Thread follower = Thread.ofPlatform().start(() -> {
            try (AdminClient client = new AdminClient(daemon.socket())) {
                client.stream("/v1/vms/a/console?follow=true", line -> {
                    lines.add(line);
                    gotLine.countDown();
                });
                interruptedAfter[0] = Thread.currentThread().isInterrupted();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        assertTrue(gotLine.await(10, TimeUnit.SECONDS));
        follower.interrupt();
        follower.join(10_000);
        release.countDown();
        assertFalse(follower.isAlive());
        assertEquals(null, failure.get());
        assertEquals(List.of("booting"), lines);
        assertTrue(interruptedAfter[0], "interrupt flag kept for the caller");
    }

    @Test
    void shouldThrowServerErrorWhenStreamIsRefused() {
        try (AdminClient client = new AdminClient(daemon.socket())) {
            ServerErrorException e = assertThrows(ServerErrorException.class,
                    () -> client.stream("/v1/vms/x/console", line -> { }));
            assertEquals(404, e.status());
        }
    }

    @Test
    void shouldExplainInOneLineWhenSocketIsMissing() {
        Path missing = dir.resolve("absent.sock");
        try (AdminClient client = new AdminClient(missing)) {
            DaemonUnreachableException e = assertThrows(DaemonUnreachableException.class,
                    () -> client.request("GET", "/v1/vms", null, null));
            assertEquals("cannot connect to vmmd at " + missing
                    + ": No such file or directory (is the daemon running? see 'vmflex daemon')", e.getMessage());
        }
    }

    @Test
    void shouldGiveUpWhenDaemonDoesNotAnswerInTime() {
        CountDownLatch release = new CountDownLatch(1);
        daemon.on("GET /v1/node", (req, out) -> release.await(10, TimeUnit.SECONDS));
        try (AdminClient client = new AdminClient(daemon.socket(), Duration.ofMillis(200))) {
            BadResponseException e = assertThrows(BadResponseException.class,
                    () -> client.request("GET", "/v1/node", null, null));
            assertTrue(e.getMessage().contains("did not answer GET /v1/node within 0s"), e.getMessage());
        } finally {
            release.countDown();
        }
    }
}
