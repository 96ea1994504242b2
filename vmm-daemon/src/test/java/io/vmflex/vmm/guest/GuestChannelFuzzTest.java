package io.vmflex.vmm.guest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vmflex.api.guest.GuestFrameDecoder;
import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.VersionChoice;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A hostile guest against the channel: first the parser alone (decoder + session, thousands of
 * mutated frames, no socket), then over a real socket (random bytes, mutations, oversize lengths,
 * a slow drip, floods) while a second channel to a well-behaved guest must keep answering.
 * Deterministic: every random choice comes from a seeded {@link Random}.
 */
class GuestChannelFuzzTest {
    private static final long SEED = 0x5EEDL;

    @TempDir
    Path dir;

    // ---- inputs ----

    static byte[] frame(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array();
    }

    static byte[] header(long length) {
        return ByteBuffer.allocate(4).putInt((int) length).array();
    }

    static String json(Object message) {
        byte[] f = GuestFrames.encode(message);
        return new String(f, 4, f.length - 4, StandardCharsets.UTF_8);
    }

    static final List<String> VALID = List.of(
            json(new GuestMessage.Metrics(1, 4, 0.5, 0.4, 0.3, 8L << 30, 4L << 30, 1L << 30, 1L << 29, 1.0, 0.5, 2.0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN)),
            json(new GuestMessage.UpscaleRequest(3)),
            json(new GuestMessage.DownscaleResult(2, true, "ok")),
            json(new GuestMessage.UpscaleConfirmation(4)),
            json(new GuestMessage.HealthCheck(6)),
            json(new GuestMessage.InvalidMessage(0, "huh")),
            json(new GuestMessage.InternalError(8, "oops")),
            json(new VersionChoice(1)));

    static final List<String> ODD_VALUES = List.of("\"x\"", "[]", "{}", "null", "true", "-1", "1e400", "-1e400",
            "99999999999999999999999999", "\"NaN\"", "\"Infinity\"", "NaN", "-0", "0.0000001", "1.5",
            "\"\\u0000\"", "[".repeat(2000) + "]".repeat(2000), "{\"a\":".repeat(600) + "1" + "}".repeat(600));

    /** One mutated payload (valid framing around it unless the mutation is of the bytes). */
    static byte[] mutated(Random r) {
        String base = VALID.get(r.nextInt(VALID.size()));
        return switch (r.nextInt(7)) {
            case 0 -> { // flip bits anywhere, header included
                byte[] f = frame(base);
                for (int i = 0, n = 1 + r.nextInt(5); i < n; i++) {
                    f[r.nextInt(f.length)] ^= (byte) (1 << r.nextInt(8));
                }
                yield f;
            }
            case 1 -> { // truncated payload with the length of the whole
                byte[] f = frame(base);
                byte[] t = new byte[4 + r.nextInt(f.length - 4)];
                System.arraycopy(f, 0, t, 0, t.length);
                ByteBuffer.wrap(t).putInt(t.length - 4);
                yield t;
            }
            case 2, 3 -> { // a value replaced by something of another kind
                String v = ODD_VALUES.get(r.nextInt(ODD_VALUES.size()));
                String s = base.replaceFirst(":([^,}]+)([,}])", ":" + java.util.regex.Matcher.quoteReplacement(v) + "$2");
                if (r.nextBoolean()) {
                    s = base.replaceAll(":(-?[0-9][0-9.eE+-]*)", ":" + java.util.regex.Matcher.quoteReplacement(v));
                }
                yield frame(s.length() > GuestFrames.MAX_PAYLOAD ? s.substring(0, GuestFrames.MAX_PAYLOAD) : s);
            }
            case 4 -> frame(base.replace("}", ",\"extra\":" + ODD_VALUES.get(r.nextInt(ODD_VALUES.size())) + "}"));
            case 5 -> { // random bytes
                byte[] b = new byte[1 + r.nextInt(64)];
                r.nextBytes(b);
                yield b;
            }
            default -> frame(base); // some valid ones keep the session honest
        };
    }

    // ---- the parser alone ----

    @Test
    void shouldNeverThrowWhenParserIsFedMutatedStreams() throws Exception {
        Random r = new Random(SEED);
        ManualClock clock = new ManualClock();
        GuestChannelConfig config = GuestChannelConfig.defaults();
        StatsCounters stats = new StatsCounters();
        PendingRequests pending = new PendingRequests(config.maxPending());
        pending.open();
        Map<Inbound.Fatal.Kind, Integer> fatal = new EnumMap<>(Inbound.Fatal.Kind.class);
        Map<Class<?>, Integer> outcomes = new java.util.HashMap<>();
        GuestSession session = null;
        GuestFrameDecoder decoder = null;
        for (int i = 0; i < 20_000; i++) {
            if (session == null) {
                session = new GuestSession(config, pending, stats, clock.nanoTime());
                decoder = new GuestFrameDecoder();
                if (r.nextInt(4) != 0) {
                    assertInstanceOf(Inbound.Established.class, session.onFrame(
                            json(new VersionChoice(1)).getBytes(StandardCharsets.UTF_8), clock.nanoTime()));
                }
            }
            byte[] bytes = mutated(r);
            clock.advance(Duration.ofMillis(r.nextInt(200)));
            Inbound.Fatal end = session.onBytes(bytes.length, clock.nanoTime());
            int pos = 0;
            while (end == null && pos < bytes.length) {
                int n = Math.min(bytes.length - pos, 1 + r.nextInt(bytes.length));
                List<byte[]> payloads;
                try {
                    payloads = decoder.feed(bytes, pos, n);
                } catch (GuestFrameDecoder.FramingException e) {
                    for (byte[] p : e.framesBefore()) {
                        if (session.onFrame(p, clock.nanoTime()) instanceof Inbound.Fatal f) {
                            end = f;
                            break;
                        }
                    }
                    end = end != null ? end : session.onFramingError(e.getMessage());
                    break;
                }
                assertTrue(decoder.buffered() <= 4 + GuestFrames.MAX_PAYLOAD);
                pos += n;
                for (byte[] p : payloads) {
                    Inbound in = session.onFrame(p, clock.nanoTime());
                    outcomes.merge(in.getClass(), 1, Integer::sum);
                    if (in instanceof Inbound.Fatal f) {
                        end = f;
                        break;
                    }
                }
            }
            if (end != null) {
                fatal.merge(end.kind(), 1, Integer::sum);
                session = null;
            }
        }
        assertTrue(outcomes.getOrDefault(Inbound.Rejected.class, 0) > 1000, outcomes.toString());
        assertTrue(outcomes.getOrDefault(Inbound.MetricsArrived.class, 0) > 100, outcomes.toString());
        assertTrue(fatal.getOrDefault(Inbound.Fatal.Kind.QUARANTINE, 0) > 100, fatal.toString());
        assertTrue(fatal.getOrDefault(Inbound.Fatal.Kind.GARBLED_START, 0) > 10, fatal.toString());
    }

    // ---- over real sockets, with a bystander ----

    /** What the attacking guest does within one session; it may be cut off by the host. */
    private interface Attack {
        void run(FakeGuest.Conn conn, Random r) throws Exception;
    }

    @Test
    @Timeout(60)
    void shouldQuarantineOrSurviveAndKeepOtherChannelServingWhenGuestAttacks() throws Exception {
        Logger channelLog = (Logger) LoggerFactory.getLogger(GuestChannel.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        channelLog.addAppender(log);
        GuestChannelConfig config = GuestChannelConfig.defaults()
                .withHandshakeInterval(Duration.ofMillis(100))
                .withReconnect(Duration.ofMillis(10), Duration.ofMillis(100))
                .withQuarantine(Duration.ofMillis(50), Duration.ofMillis(200))
                .withFrameStallTimeout(Duration.ofSeconds(2));
        Random r = new Random(SEED);
        BlockingQueue<Attack> attacks = new ArrayBlockingQueue<>(1);
        Semaphore done = new Semaphore(0);
        AtomicInteger sessionsAttacked = new AtomicInteger();

        try (FakeGuest bystander = new FakeGuest(dir.resolve("good.sock"));
             FakeGuest attacker = new FakeGuest(dir.resolve("evil.sock"));
             GuestChannel good = new GuestChannel("good", dir.resolve("good.sock"), config, GuestClock.system(), GuestChannelListener.NONE);
             GuestChannel evil = new GuestChannel("evil", dir.resolve("evil.sock"), config, GuestClock.system(), new RecordingListener())) {
            bystander.metricsEvery = Duration.ofMillis(200);
            attacker.script = conn -> {
                sessionsAttacked.incrementAndGet();
                while (conn.isOpen()) {
                    Attack a = attacks.poll(50, TimeUnit.MILLISECONDS);
                    if (a != null) {
                        try {
                            a.run(conn, r);
                        } finally {
                            done.release();
                        }
                    }
                }
            };
            good.start();
            evil.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> good.state() instanceof ChannelState.Connected
                    && evil.state() instanceof ChannelState.Connected);

            // The bystander is health-checked throughout; every check must pass.
            AtomicInteger goodChecks = new AtomicInteger();
            AtomicReference<Throwable> goodFailure = new AtomicReference<>();
            Thread prober = Thread.ofVirtual().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        good.healthCheck(Duration.ofSeconds(3)).get();
                        goodChecks.incrementAndGet();
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        goodFailure.compareAndSet(null, e);
                    }
                }
            });

            long heapBefore = usedHeapAfterGc();
            List<String> outcomes = new ArrayList<>();
            List<Attack> script = List.of(
                    (c, rnd) -> { // random bytes
                        for (int i = 0; i < 50; i++) {
                            byte[] b = new byte[1 + rnd.nextInt(2000)];
                            rnd.nextBytes(b);
                            c.raw(b);
                        }
                    },
                    (c, rnd) -> { // mutated frames at 20/s: within the frame rate, so errors decide
                        for (int i = 0; i < 60; i++) {
                            c.raw(mutated(rnd));
                            Thread.sleep(50);
                        }
                    },
                    (c, rnd) -> c.raw(header(0x7FFFFFFFL)),
                    (c, rnd) -> c.raw(header(0xFFFFFFFFL)),
                    (c, rnd) -> c.raw(header(GuestFrames.MAX_PAYLOAD + 1)),
                    (c, rnd) -> c.raw(header(0)),
                    (c, rnd) -> { // slow drip of valid frames: legal, just slow
                        byte[] f = frame(json(new GuestMessage.Metrics(attacker.guestId(), 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN)));
                        for (byte b : f) {
                            c.raw(new byte[] {b});
                            Thread.sleep(3);
                        }
                    },
                    (c, rnd) -> { // slow drip of a partial frame, then silence
                        byte[] f = frame(" ".repeat(5000));
                        for (int i = 0; i < 200; i++) {
                            c.raw(new byte[] {f[i]});
                            Thread.sleep(2);
                        }
                    },
                    (c, rnd) -> { // flood of small valid frames
                        ByteArrayOutputStream batch = new ByteArrayOutputStream();
                        for (int i = 0; i < 5000; i++) {
                            batch.writeBytes(frame(json(new GuestMessage.Metrics(attacker.guestId(), 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, GuestMessage.Metrics.CPU_BUSY_UNKNOWN))));
                        }
                        c.raw(batch.toByteArray());
                    },
                    (c, rnd) -> { // flood of maximal frames
                        byte[] big = frame("{" + " ".repeat(GuestFrames.MAX_PAYLOAD - 2) + "}");
                        for (int i = 0; i < 100; i++) {
                            c.raw(big);
                        }
                    });
            for (int round = 0; round < 2; round++) {
                for (Attack a : script) {
                    long quarantinesBefore = evil.stats().quarantines();
                    attacks.put(a);
                    assertTrue(done.tryAcquire(20, TimeUnit.SECONDS), "attack did not finish");
                    // Whatever happened, the channel must come back and answer.
                    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(
                            () -> evil.healthCheck(Duration.ofSeconds(1)).get(2, TimeUnit.SECONDS));
                    outcomes.add(evil.stats().quarantines() > quarantinesBefore ? "Q" : "ok");
                }
            }
            long heapAfter = usedHeapAfterGc();
            prober.interrupt();
            prober.join();

            ChannelStats s = evil.stats();
            assertEquals(null, goodFailure.get(), "the bystander channel failed during the attack");
            assertTrue(goodChecks.get() > 20, "bystander answered only " + goodChecks.get() + " checks");
            assertEquals(0, good.stats().protocolErrors());
            assertEquals(0, good.stats().quarantines());
            // Oversize/zero lengths and floods must quarantine; the legal drip must not.
            assertEquals(List.of("Q", "Q", "Q", "Q", "Q", "Q", "ok", "ok", "Q", "Q"), outcomes.subList(0, 10), outcomes.toString());
            assertTrue(s.protocolErrors() > 10, s.toString());
            assertTrue(sessionsAttacked.get() >= 8, "sessions " + sessionsAttacked.get());
            long growth = heapAfter - heapBefore;
            assertTrue(growth < 16L << 20, "heap grew by " + (growth >> 10) + " KiB");
            List<ILoggingEvent> errors = log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR)).toList();
            assertEquals(List.of(), errors.stream().map(ILoggingEvent::getFormattedMessage).toList(), "reader failures");
            System.out.printf("fuzz: outcomes=%s evil=%s good=%s goodChecks=%d heapGrowthKiB=%d%n",
                    outcomes, s, good.stats(), goodChecks.get(), growth >> 10);
        } finally {
            channelLog.detachAppender(log);
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
