package io.vmflex.vmm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/debug/profile} on a real vmmd process: async-profiler loads in the daemon, a second
 * request meanwhile is refused with 409, and the answer is an HTML flame graph with vmflex frames.
 * No QEMU needed.
 */
class ProfileIT {

    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-prof");
    private static TestDaemon daemon;

    @BeforeAll
    static void boot() throws Exception {
        daemon = daemons.startWithoutImages("node-prof");
    }

    @Test
    void shouldAnswer400WithoutStartingWhenDurationIsOutOfRange() throws Exception {
        UnixHttp.Response r = daemon.http().send("POST", "/v1/debug/profile?duration=301", null, null);
        assertEquals(400, r.status(), r.body());
        assertEquals("duration must be 1..300 seconds, got 301", r.json().path("error").path("message").asText());
    }

    @Test
    void shouldReturnAFlameGraphWithVmflexFramesAndRefuseASecondProfileMeanwhile() throws Exception {
        CompletableFuture<UnixHttp.Response> profile = CompletableFuture.supplyAsync(() -> {
            try {
                return daemon.http().send("POST", "/v1/debug/profile?duration=3&event=wall", null, null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // While it records: keep the daemon busy with API calls (vmflex frames on CPU), and see 409.
        UnixHttp.Response[] busy = new UnixHttp.Response[1];
        Awaitility.await().atMost(java.time.Duration.ofSeconds(2)).pollInterval(java.time.Duration.ofMillis(50))
                .until(() -> {
                    busy[0] = daemon.http().send("POST", "/v1/debug/profile?duration=1", null, null);
                    return busy[0].status() == 409 || profile.isDone();
                });
        assertEquals(409, busy[0].status(), busy[0].body());
        for (int i = 0; i < 50 && !profile.isDone(); i++) {
            daemon.http().get("/v1/node");
        }
        UnixHttp.Response r = profile.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.contentType().startsWith("text/html"), r.contentType());
        assertTrue(r.body().length() > 1000, "a flame graph page, got " + r.body().length() + " chars");
        assertTrue(r.body().contains("vmflex"), "flame graph has vmflex frames");
        // and the route is free again
        UnixHttp.Response again = daemon.http().send("POST", "/v1/debug/profile?duration=1&event=cpu", null, null);
        assertEquals(200, again.status(), again.body());
    }
}
