package io.vmflex.vmm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import io.vmflex.api.guest.VersionChoice;
import io.vmflex.api.guest.VersionRange;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class GuestSessionTest {
    private final ManualClock clock = new ManualClock();
    private final GuestChannelConfig config = GuestChannelConfig.defaults();
    private final PendingRequests pending = new PendingRequests(config.maxPending());
    private final StatsCounters stats = new StatsCounters();
    private final GuestSession session = new GuestSession(config, pending, stats, clock.nanoTime());

    static byte[] payload(Object message) {
        byte[] f = GuestFrames.encode(message);
        return Arrays.copyOfRange(f, 4, f.length);
    }

    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static GuestMessage.Metrics metrics(long id) {
        return new GuestMessage.Metrics(id, 2, 0.5, 0.4, 0.3, 1L << 30, 1L << 29, 1L << 27, 1L << 28, 0.0, 0.0, 1.0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN);
    }

    private Inbound frame(Object message) {
        return session.onFrame(payload(message), clock.nanoTime());
    }

    private void establish() {
        assertEquals(new Inbound.Established(1), frame(new VersionChoice(1)));
        pending.open();
    }

    @Test
    void shouldEstablishWhenGuestChoosesVersionOne() {
        assertFalse(session.established());
        establish();
        assertTrue(session.established());
    }

    @Test
    void shouldFailIncompatibleWhenGuestChoosesOtherVersion() {
        Inbound in = frame(new VersionChoice(2));
        Inbound.Fatal f = assertInstanceOf(Inbound.Fatal.class, in);
        assertEquals(Inbound.Fatal.Kind.INCOMPATIBLE, f.kind());
        assertTrue(f.reason().contains("version 2"), f.reason());
        assertFalse(session.established());
    }

    @Test
    void shouldIgnoreMessagesOfAnOldSessionWhenHandshaking() {
        assertInstanceOf(Inbound.Ignored.class, frame(metrics(7)));
        assertEquals(0, stats.protocolErrors.get());
        assertInstanceOf(Inbound.Rejected.class, session.onFrame(json("{\"hello\":1}"), clock.nanoTime()));
        assertInstanceOf(Inbound.Rejected.class, frame(VersionRange.V1), "the guest opens no sessions");
        assertEquals(2, stats.protocolErrors.get());
    }

    @Test
    void shouldIgnoreRepeatedVersionChoiceWhenEstablished() {
        establish();
        assertInstanceOf(Inbound.Ignored.class, frame(new VersionChoice(1)));
        assertInstanceOf(Inbound.Rejected.class, frame(new VersionChoice(2)));
    }

    @Test
    void shouldDeliverSaneMetricsWhenEstablished() {
        establish();
        assertEquals(new Inbound.MetricsArrived(metrics(3)), frame(metrics(3)));
    }

    @Test
    void shouldRejectWhenMetricsAreInsane() {
        establish();
        GuestMessage.Metrics good = metrics(3);
        GuestMessage.Metrics[] bad = {
                new GuestMessage.Metrics(3, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN),
                new GuestMessage.Metrics(3, 1025, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN),
                new GuestMessage.Metrics(3, 1, -0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN),
                new GuestMessage.Metrics(3, 1, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN),
                new GuestMessage.Metrics(3, 1, 0, 0, 0, 0, 0, 0, 0, 100.5, 0, 0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN),
                new GuestMessage.Metrics(3, 1, 0, 0, 0, 0, 0, 0, Long.MIN_VALUE, 0, 0, 0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN),
                new GuestMessage.Metrics(3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.5),
                new GuestMessage.Metrics(3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.5),
                new GuestMessage.Metrics(3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Double.NaN),
        };
        assertNull(GuestSession.insanity(good));
        for (GuestMessage.Metrics m : bad) {
            assertNotNull(GuestSession.insanity(m), m.toString());
            Inbound.Rejected r = assertInstanceOf(Inbound.Rejected.class, frame(m), m.toString());
            assertEquals(3, r.id());
            clock.advance(Duration.ofSeconds(2)); // keep under the error window
        }
    }

    @Test
    void shouldRejectWhenDoublesAreNotFiniteOrNumbersAreHuge() {
        establish();
        String base = "{\"type\":\"Metrics\",\"id\":5,\"cpusOnline\":1,\"loadAvg1\":%s,\"loadAvg5\":0,\"loadAvg15\":0,"
                + "\"memTotalBytes\":%s,\"memAvailableBytes\":0,\"cachedBytes\":0,\"workloadAnonBytes\":0,"
                + "\"psiMemorySome10\":0,\"psiMemoryFull10\":0,\"psiCpuSome10\":0}";
        String[][] cases = {{"\"NaN\"", "0"}, {"\"Infinity\"", "0"}, {"1e999", "0"}, {"NaN", "0"},
                {"0", "1e30"}, {"0", "123456789012345678901234567890"}, {"0", "\"1\""}};
        for (String[] c : cases) {
            Inbound in = session.onFrame(json(base.formatted(c[0], c[1])), clock.nanoTime());
            assertInstanceOf(Inbound.Rejected.class, in, Arrays.toString(c));
            clock.advance(Duration.ofSeconds(2));
        }
        assertEquals(cases.length, stats.protocolErrors.get());
        assertInstanceOf(Inbound.MetricsArrived.class, session.onFrame(json(base.formatted("0.25", "1024")), clock.nanoTime()));
    }

    @Test
    void shouldRejectWhenIdParityIsWrong() {
        establish();
        assertInstanceOf(Inbound.Rejected.class, frame(metrics(4)), "guest messages need odd ids");
        assertInstanceOf(Inbound.Rejected.class, frame(new GuestMessage.UpscaleRequest(2)));
        assertInstanceOf(Inbound.Rejected.class, frame(new GuestMessage.UpscaleRequest(-1)));
        assertInstanceOf(Inbound.Rejected.class, frame(new GuestMessage.HealthCheck(3)), "answers need even ids");
        assertInstanceOf(Inbound.Rejected.class, frame(new GuestMessage.DownscaleRequest(3, new Resources(1, 1))));
        assertEquals(5, stats.protocolErrors.get());
    }

    @Test
    void shouldCompleteRequestWhenAnswerMatches() throws Exception {
        establish();
        CompletableFuture<GuestMessage> f = new CompletableFuture<>();
        long id = pending.register(GuestMessage.DownscaleResult.class, f);
        assertEquals(2, id);
        GuestMessage.DownscaleResult result = new GuestMessage.DownscaleResult(id, false, "no");
        assertEquals(new Inbound.Answered(id), frame(result));
        assertEquals(result, f.get());
        assertInstanceOf(Inbound.Ignored.class, frame(result), "a repeated answer is late, not an error");
        assertEquals(0, stats.protocolErrors.get());
    }

    @Test
    void shouldCompleteSetCpusOnlineWithTheGuestsCountAndRejectAnImpossibleOne() throws Exception {
        establish();
        CompletableFuture<GuestMessage> f = new CompletableFuture<>();
        long id = pending.register(GuestMessage.CpusOnline.class, f);
        assertInstanceOf(Inbound.Rejected.class, frame(new GuestMessage.CpusOnline(id, 0)), "no guest has 0 CPUs online");
        assertInstanceOf(Inbound.Rejected.class, frame(new GuestMessage.CpusOnline(id, GuestSession.MAX_CPUS + 1)));
        assertFalse(f.isDone());
        assertEquals(new Inbound.Answered(id), frame(new GuestMessage.CpusOnline(id, 2)));
        assertEquals(new GuestMessage.CpusOnline(id, 2), f.get());
        assertInstanceOf(Inbound.Rejected.class, frame(new GuestMessage.SetCpusOnline(3, 1)), "only the host asks");
    }

    @Test
    void shouldRejectWhenAnswerIsForAnIdNeverIssued() {
        establish();
        pending.register(GuestMessage.HealthCheck.class, new CompletableFuture<>());
        Inbound.Rejected r = assertInstanceOf(Inbound.Rejected.class, frame(new GuestMessage.HealthCheck(4)));
        assertEquals(4, r.id());
        assertTrue(r.reply());
        assertEquals(1, stats.protocolErrors.get());
    }

    @Test
    void shouldFailRequestWhenAnswerHasWrongType() {
        establish();
        CompletableFuture<GuestMessage> f = new CompletableFuture<>();
        long id = pending.register(GuestMessage.DownscaleResult.class, f);
        assertInstanceOf(Inbound.Rejected.class, frame(new GuestMessage.HealthCheck(id)));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(GuestChannelException.class, e.getCause());
    }

    @Test
    void shouldFailRequestWhenGuestAnswersWithError() {
        establish();
        CompletableFuture<GuestMessage> f = new CompletableFuture<>();
        long id = pending.register(GuestMessage.UpscaleConfirmation.class, f);
        assertEquals(new Inbound.Answered(id), frame(new GuestMessage.InternalError(id, "no memory\nhere")));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(GuestRequestException.class, e.getCause());
        assertFalse(e.getCause().getMessage().contains("\n"));
        assertInstanceOf(Inbound.Ignored.class, frame(new GuestMessage.InvalidMessage(0, "what?")));
    }

    @Test
    void shouldDropMetricsWhenFasterThanTheRateLimit() {
        establish();
        int delivered = 0;
        for (int i = 0; i < 20; i++) {
            if (frame(metrics(2L * i + 1)) instanceof Inbound.MetricsArrived) {
                delivered++;
            }
        }
        assertEquals(5, delivered);
        assertEquals(15, stats.rateLimitedDrops.get());
        assertEquals(0, stats.protocolErrors.get());
        clock.advance(Duration.ofMillis(200));
        assertInstanceOf(Inbound.MetricsArrived.class, frame(metrics(99)));
    }

    @Test
    void shouldQuarantineWhenFramesFlood() {
        establish();
        Inbound last = null;
        int n = 0;
        while (n < 1000 && !((last = frame(new GuestMessage.InvalidMessage(0, "x"))) instanceof Inbound.Fatal)) {
            n++;
        }
        Inbound.Fatal f = assertInstanceOf(Inbound.Fatal.class, last);
        assertEquals(Inbound.Fatal.Kind.QUARANTINE, f.kind());
        assertTrue(f.reason().startsWith("flood"), f.reason());
        assertEquals(99, n, "burst of 100 frames, the handshake took one");
    }

    @Test
    void shouldKeepGoingWhenFramesStayUnderTheRate() {
        establish();
        for (int i = 0; i < 2000; i++) {
            clock.advance(Duration.ofMillis(25)); // 40 frames/s
            assertInstanceOf(Inbound.Ignored.class, frame(new GuestMessage.InvalidMessage(0, "x")));
        }
    }

    @Test
    void shouldQuarantineWhenBytesFlood() {
        long now = clock.nanoTime();
        for (int i = 0; i < 128; i++) {
            assertNull(session.onBytes(8192, now), "1 MiB burst");
        }
        Inbound.Fatal f = session.onBytes(8192, now);
        assertNotNull(f);
        assertEquals(Inbound.Fatal.Kind.QUARANTINE, f.kind());
        clock.advance(Duration.ofMillis(100));
        assertNull(session.onBytes(8192, clock.nanoTime()), "refilled at 1 MiB/s");
    }

    @Test
    void shouldQuarantineWhenProtocolErrorsExceedTheWindow() {
        establish();
        for (int i = 0; i < 10; i++) {
            assertInstanceOf(Inbound.Rejected.class, session.onFrame(json("{\"type\":\"Nope\",\"id\":" + (2 * i + 1) + "}"), clock.nanoTime()));
            clock.advance(Duration.ofMillis(100));
        }
        Inbound.Fatal f = assertInstanceOf(Inbound.Fatal.class, session.onFrame(json("[]"), clock.nanoTime()));
        assertEquals(Inbound.Fatal.Kind.QUARANTINE, f.kind());
        assertTrue(f.reason().contains("protocol errors"), f.reason());
    }

    @Test
    void shouldLimitInvalidMessageRepliesWhenErrorsComeFast() {
        establish();
        int replies = 0;
        for (int i = 0; i < 10; i++) {
            Inbound.Rejected r = assertInstanceOf(Inbound.Rejected.class, session.onFrame(json("{}"), clock.nanoTime()));
            replies += r.reply() ? 1 : 0;
        }
        assertEquals(3, replies);
        assertEquals(7, stats.rateLimitedDrops.get());
    }

    @Test
    void shouldNameTheIdWhenRejectingAMalformedMessage() {
        establish();
        Inbound.Rejected r = assertInstanceOf(Inbound.Rejected.class,
                session.onFrame(json("{\"type\":\"Metrics\",\"id\":9,\"cpusOnline\":\"many\"}"), clock.nanoTime()));
        assertEquals(9, r.id());
        assertEquals(0, GuestSession.idOf(json("{\"id\":1.5}")));
        assertEquals(0, GuestSession.idOf(json("[".repeat(3000))));
        assertEquals(0, GuestSession.idOf(json("{\"id\":99999999999999999999999}")));
    }

    @Test
    void shouldGarbleOrQuarantineWhenFramingFails() {
        assertEquals(Inbound.Fatal.Kind.GARBLED_START, session.onFramingError("length 0").kind());
        establish();
        assertEquals(Inbound.Fatal.Kind.QUARANTINE, session.onFramingError("length 70000").kind());
    }

    @Test
    void shouldShortenAndCleanGuestText() {
        assertEquals("a?b", GuestSession.shorten("a\nb"));
        assertEquals(GuestSession.MAX_TEXT + 3, GuestSession.shorten("x".repeat(10_000)).length());
        assertEquals("", GuestSession.shorten(null));
    }
}
