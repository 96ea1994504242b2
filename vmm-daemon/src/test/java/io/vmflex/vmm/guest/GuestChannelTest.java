package io.vmflex.vmm.guest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class GuestChannelTest {
    static final GuestChannelConfig FAST = GuestChannelConfig.defaults()
            .withHandshakeInterval(Duration.ofMillis(100))
            .withReconnect(Duration.ofMillis(20), Duration.ofMillis(200))
            .withQuarantine(Duration.ofMillis(300), Duration.ofSeconds(2));
    static final Duration WAIT = Duration.ofSeconds(5);
    static final Resources HALF = new Resources(500, 512L << 20);

    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final RecordingListener events = new RecordingListener();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    private FakeGuest guest(String file) throws Exception {
        FakeGuest g = new FakeGuest(dir.resolve(file));
        toClose.add(g);
        return g;
    }

    private GuestChannel channel(String file) {
        GuestChannel c = new GuestChannel("vm-" + file, dir.resolve(file), FAST, GuestClock.system(), events);
        toClose.add(c);
        c.start();
        return c;
    }

    private static void awaitConnected(GuestChannel c) {
        await().atMost(WAIT).until(() -> c.state() instanceof ChannelState.Connected);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void shouldConnectAndDeliverMetricsWhenGuestHandshakes() throws Exception {
        FakeGuest g = guest("g.sock");
        g.metricsEvery = Duration.ofMillis(250);
        GuestChannel c = channel("g.sock");
        awaitConnected(c);
        assertEquals(1, ((ChannelState.Connected) c.state()).version());
        await().atMost(WAIT).until(() -> events.metrics.get() >= 2);
        assertTrue(c.lastMetrics().isPresent());
        assertEquals(2, c.lastMetrics().get().metrics().cpusOnline());
        ChannelStats s = c.stats();
        assertTrue(s.framesIn() >= 3, s.toString());
        assertTrue(s.framesOut() >= 1, s.toString());
        assertEquals(0, s.protocolErrors(), s.toString());
        assertInstanceOf(ChannelState.Handshaking.class, events.states.get(events.states.size() - 2));
    }

    @Test
    void shouldReturnResultWhenGuestApprovesOrRefusesDownscale() throws Exception {
        FakeGuest g = guest("g.sock");
        GuestChannel c = channel("g.sock");
        awaitConnected(c);
        GuestMessage.DownscaleResult ok = c.requestDownscale(HALF, WAIT).get(5, TimeUnit.SECONDS);
        assertTrue(ok.ok());
        g.approveDownscale = false;
        GuestMessage.DownscaleResult refused = c.requestDownscale(HALF, WAIT).get(5, TimeUnit.SECONDS);
        assertFalse(refused.ok());
        assertEquals("workload needs the memory", refused.status());
        GuestMessage.DownscaleRequest sent = (GuestMessage.DownscaleRequest) g.received.poll(5, TimeUnit.SECONDS);
        assertEquals(HALF, sent.target());
        assertEquals(0, sent.id() % 2, "host ids are even");
    }

    @Test
    void shouldCompleteWhenGuestConfirmsUpscaleAndAnswersHealthCheck() throws Exception {
        guest("g.sock");
        GuestChannel c = channel("g.sock");
        awaitConnected(c);
        c.notifyUpscale(new Resources(2000, 4L << 30), WAIT).get(5, TimeUnit.SECONDS);
        Duration rtt = c.healthCheck(WAIT).get(5, TimeUnit.SECONDS);
        assertTrue(rtt.compareTo(Duration.ZERO) > 0 && rtt.compareTo(WAIT) < 0, rtt.toString());
    }

    @Test
    void shouldDeliverUpscaleRequestWhenGuestAsks() throws Exception {
        FakeGuest g = guest("g.sock");
        g.script = conn -> conn.send(new GuestMessage.UpscaleRequest(g.guestId()));
        channel("g.sock");
        await().atMost(WAIT).until(() -> events.upscales.size() == 1);
    }

    @Test
    void shouldTimeOutAndFreeTheSlotWhenGuestNeverAnswers() throws Exception {
        FakeGuest g = guest("g.sock");
        g.answerRequests = false;
        GuestChannel c = channel("g.sock");
        awaitConnected(c);
        List<CompletableFuture<Duration>> checks = new ArrayList<>();
        for (int i = 0; i < FAST.maxPending(); i++) {
            checks.add(c.healthCheck(Duration.ofMillis(200)));
        }
        Throwable full = failure(c.healthCheck(Duration.ofMillis(200)));
        assertInstanceOf(GuestChannelException.class, full);
        assertTrue(full.getMessage().contains("too many"), full.getMessage());
        for (CompletableFuture<Duration> f : checks) {
            assertInstanceOf(TimeoutException.class, failure(f));
        }
        g.answerRequests = true;
        await().atMost(WAIT).untilAsserted(() -> c.healthCheck(WAIT).get(5, TimeUnit.SECONDS));
        assertInstanceOf(ChannelState.Connected.class, c.state());
    }

    @Test
    void shouldFailPendingAndReconnectWhenGuestDisconnects() throws Exception {
        FakeGuest g = guest("g.sock");
        g.answerRequests = false;
        GuestChannel c = channel("g.sock");
        awaitConnected(c);
        CompletableFuture<GuestMessage.DownscaleResult> waiting = c.requestDownscale(HALF, Duration.ofSeconds(20));
        await().atMost(WAIT).until(() -> !g.received.isEmpty());
        g.dropClient();
        Throwable t = failure(waiting);
        assertInstanceOf(GuestChannelException.class, t);
        assertTrue(t.getMessage().contains("disconnected"), t.getMessage());
        g.answerRequests = true;
        await().atMost(WAIT).until(() -> g.handshakes.get() >= 2 && c.state() instanceof ChannelState.Connected);
        assertTrue(c.requestDownscale(HALF, WAIT).get(5, TimeUnit.SECONDS).ok());
        assertEquals(1, c.stats().reconnects());
        assertTrue(events.count(ChannelState.Disconnected.class) >= 1);
    }

    @Test
    void shouldConnectWhenSocketAppearsLate() throws Exception {
        GuestChannel c = channel("late.sock");
        Thread.sleep(300);
        assertInstanceOf(ChannelState.Disconnected.class, c.state());
        assertInstanceOf(GuestChannelException.class, failure(c.healthCheck(WAIT)), "fails fast while disconnected");
        guest("late.sock");
        awaitConnected(c);
        c.healthCheck(WAIT).get(5, TimeUnit.SECONDS);
    }

    @Test
    void shouldRepeatVersionRangeWhenGuestDoesNotAnswer() throws Exception {
        FakeGuest g = guest("g.sock");
        g.answerHandshake = false;
        GuestChannel c = channel("g.sock");
        await().atMost(WAIT).until(() -> g.handshakes.get() >= 4);
        assertInstanceOf(ChannelState.Handshaking.class, c.state());
        assertInstanceOf(GuestChannelException.class, failure(c.healthCheck(WAIT)));
        g.answerHandshake = true;
        awaitConnected(c);
    }

    @Test
    void shouldFailWhenGuestChoosesAnotherVersion() throws Exception {
        FakeGuest g = guest("g.sock");
        g.versionToChoose = 2;
        GuestChannel c = channel("g.sock");
        await().atMost(WAIT).until(() -> c.state() instanceof ChannelState.Failed);
        assertTrue(((ChannelState.Failed) c.state()).reason().contains("version 2"));
        g.versionToChoose = 1;
        awaitConnected(c);
    }

    @Test
    void shouldAnswerInvalidMessageAndStayConnectedWhenGuestSendsGarbage() throws Exception {
        FakeGuest g = guest("g.sock");
        g.script = conn -> {
            byte[] json = "{\"type\":\"Nope\",\"id\":3}".getBytes(StandardCharsets.UTF_8);
            conn.raw(ByteBuffer.allocate(4 + json.length).putInt(json.length).put(json).array());
        };
        GuestChannel c = channel("g.sock");
        GuestMessage reply = g.received.poll(5, TimeUnit.SECONDS);
        GuestMessage.InvalidMessage invalid = assertInstanceOf(GuestMessage.InvalidMessage.class, reply);
        assertEquals(3, invalid.id());
        assertEquals(1, c.stats().protocolErrors());
        assertInstanceOf(ChannelState.Connected.class, c.state());
    }

    @Test
    void shouldQuarantineAndComeBackWhenFrameIsTooBig() throws Exception {
        FakeGuest g = guest("g.sock");
        g.script = conn -> {
            g.script = null; // only the first session attacks
            conn.raw(new byte[] {0, 1, 0, 1});
        };
        GuestChannel c = channel("g.sock");
        await().atMost(WAIT).until(() -> events.count(ChannelState.Quarantined.class) == 1);
        ChannelState.Quarantined q = (ChannelState.Quarantined) events.states.stream()
                .filter(ChannelState.Quarantined.class::isInstance).findFirst().orElseThrow();
        assertTrue(q.reason().contains("65537"), q.reason());
        assertEquals(1, c.stats().quarantines());
        await().atMost(WAIT).until(() -> g.handshakes.get() >= 2 && c.state() instanceof ChannelState.Connected);
    }

    @Test
    void shouldEndClosedAndFailRequestsWhenClosedTwice() throws Exception {
        guest("g.sock");
        GuestChannel c = channel("g.sock");
        awaitConnected(c);
        c.close();
        c.close();
        assertInstanceOf(ChannelState.Closed.class, c.state());
        assertInstanceOf(GuestChannelException.class, failure(c.healthCheck(WAIT)));
        assertInstanceOf(ChannelState.Closed.class, events.states.getLast());
    }
}
