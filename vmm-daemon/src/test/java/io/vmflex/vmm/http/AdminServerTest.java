package io.vmflex.vmm.http;

import io.vmflex.vmm.it.UnixHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API's HTTP server on a real Unix socket, with routes of the test's own. */
class AdminServerTest {
    @TempDir
    Path dir;

    private AdminServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private UnixHttp serve(List<Route> routes) throws Exception {
        server = new AdminServer(dir.resolve("api.sock"), "rw-rw----", null, new PeerAuthorizer(OptionalInt.empty()), routes);
        server.start();
        return new UnixHttp(server.socket());
    }

    private static CompletableFuture<ApiResponse> text(String body) {
        return CompletableFuture.completedFuture(new ApiResponse.Text(200, body));
    }

    @Test
    void shouldAnswerOtherRequestsWhileARouteBlocks() throws Exception {
        CountDownLatch blocking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        UnixHttp http = serve(List.of(
                new Route("GET", "/v1/block", r -> {
                    blocking.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return text("released");
                }),
                new Route("GET", "/v1/ping", r -> text("pong"))));
        CompletableFuture<UnixHttp.Response> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return http.get("/v1/block");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            assertTrue(blocking.await(60, TimeUnit.SECONDS), "the blocking route never ran");
            // Answered while the other route still blocks (it is released only below).
            UnixHttp.Response pong = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> http.get("/v1/ping"),
                    "a request waited for a blocked route");
            assertEquals("pong", pong.body());
            assertEquals(1, release.getCount());
        } finally {
            release.countDown();
        }
        assertEquals("released", blocked.get(60, TimeUnit.SECONDS).body());
    }

    @Test
    void shouldAnswerUnknownPathsAndMethodsWithOneLineErrors() throws Exception {
        UnixHttp http = serve(List.of(new Route("GET", "/v1/ping", r -> text("pong"))));
        UnixHttp.Response notFound = http.get("/v1/nothing");
        assertEquals(404, notFound.status());
        assertEquals("no such resource: /v1/nothing", notFound.json().path("error").path("message").asText());
        UnixHttp.Response wrongMethod = http.send("DELETE", "/v1/ping", null, null);
        assertEquals(405, wrongMethod.status());
        assertEquals("method DELETE not allowed on /v1/ping", wrongMethod.json().path("error").path("message").asText());
    }
}
