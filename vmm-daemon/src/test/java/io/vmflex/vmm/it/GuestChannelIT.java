package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest monitor in the test image and the daemon's end of the channel, for real: it connects,
 * reports every second into status.guest and /metrics, sees a hot-plugged CPU, judges downscale
 * requests, and comes back after the daemon is killed.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuestChannelIT {
    private static final String VM = TestVm.NAME;
    private static final Duration BOOT = Duration.ofSeconds(90);
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-guest", VM);
    private static TestDaemon daemon;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireMonitorImage(GuestChannelIT.class);
        daemon = daemons.start("node-it");
        TestVm.create(daemon);
    }

    private static JsonNode guestStatus() throws Exception {
        return daemon.http().get("/v1/vms/" + VM).json().path("status").path("guest");
    }

    private static JsonNode awaitGuest(Duration timeout, java.util.function.Predicate<JsonNode> ok) {
        JsonNode[] seen = new JsonNode[1];
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
            seen[0] = guestStatus();
            return ok.test(seen[0]);
        });
        return seen[0];
    }

    @Test
    @Order(1)
    void shouldConnectAndReportMetricsEverySecond() throws Exception {
        JsonNode g = awaitGuest(BOOT, s -> "Connected".equals(s.path("channel").asText()) && s.has("lastReport"));
        assertEquals(1, g.path("cpusOnline").asInt());
        Instant first = Instant.parse(g.path("lastReport").asText());
        JsonNode later = awaitGuest(Duration.ofSeconds(10), s -> Instant.parse(s.path("lastReport").asText()).isAfter(first.plusSeconds(1)));
        assertTrue(later.path("memoryTotal").asText().endsWith("i") || later.path("memoryTotal").isNumber(), later.toString());

        JsonNode m = daemon.http().get("/v1/vms/" + VM + "/metrics").json();
        assertEquals("Connected", m.path("channel").asText());
        assertTrue(m.path("metrics").path("memTotalBytes").asLong() > 100L << 20, m.toString());
        assertEquals(0, m.path("stats").path("protocolErrors").asInt(), m.toString());

        JsonNode events = daemon.http().get("/v1/events?vm=" + VM).json().path("items");
        boolean connectedEvent = false;
        for (JsonNode e : events) {
            connectedEvent |= "GuestChannelConnected".equals(e.path("reason").asText());
        }
        assertTrue(connectedEvent, events.toString());
    }

    @Test
    @Order(2)
    void shouldReportHotpluggedCpuFromInsideTheGuest() throws Exception {
        UnixHttp.Response r = daemon.http().send("PATCH", "/v1/vms/" + VM, "application/json-patch+json",
                Guest.patchUse("/spec/guest/cpus/use", 2));
        assertEquals(200, r.status(), r.body());
        awaitGuest(Duration.ofSeconds(30), s -> s.path("cpusOnline").asInt() == 2);
    }

    @Test
    @Order(3)
    void shouldRefuseDownscaleBelowUsageAndApproveAbove() throws Exception {
        UnixHttp.Response low = daemon.http().send("POST", "/v1/vms/" + VM + "/monitor/downscale", "application/json",
                "{\"cpu\":1,\"memory\":\"16Mi\",\"timeoutSeconds\":10}");
        assertEquals(200, low.status(), low.body());
        assertFalse(low.json().path("ok").asBoolean(), low.body());
        UnixHttp.Response high = daemon.http().send("POST", "/v1/vms/" + VM + "/monitor/downscale", "application/json",
                "{\"cpu\":1,\"memory\":\"4Gi\",\"timeoutSeconds\":10}");
        assertEquals(200, high.status(), high.body());
        assertTrue(high.json().path("ok").asBoolean(), high.body());
        UnixHttp.Response hc = daemon.http().send("POST", "/v1/vms/" + VM + "/monitor/healthcheck", "application/json", "{}");
        assertEquals(200, hc.status(), hc.body());
        UnixHttp.Response bad = daemon.http().send("POST", "/v1/vms/" + VM + "/monitor/downscale", "application/json",
                "{\"cpu\":\"lots\",\"memory\":\"1Gi\"}");
        assertEquals(422, bad.status(), bad.body());
    }

    @Test
    @Order(4)
    void shouldReconnectAfterTheDaemonIsKilled() throws Exception {
        Instant before = Instant.parse(guestStatus().path("lastReport").asText());
        daemon.kill9();
        daemon.start();
        awaitGuest(Duration.ofSeconds(60), s -> "Connected".equals(s.path("channel").asText())
                && s.has("lastReport") && Instant.parse(s.path("lastReport").asText()).isAfter(before));
        UnixHttp.Response hc = daemon.http().send("POST", "/v1/vms/" + VM + "/monitor/healthcheck", "application/json", "{}");
        assertEquals(200, hc.status(), hc.body());
    }
}
