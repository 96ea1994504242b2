package io.vmflex.vmm.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.VersionChoice;
import java.io.IOException;

/**
 * The host's judgement of one connection to the guest: handshake, strict message checks, id
 * parity and correlation, rate limits, and when to give up on the guest. No I/O and no sleeping:
 * the channel feeds it byte counts and payloads with the time, and acts on the {@link Inbound}
 * it returns. Answers to host requests are completed here through {@link PendingRequests}.
 *
 * <p>Not threadsafe: owned by the channel's reader thread; {@link #established()} may be read by
 * the writer thread.
 */
final class GuestSession {
    static final int VERSION = 1;
    static final int MAX_CPUS = 1024;
    /** Longest guest text kept (status, error) and echoed in logs. */
    static final int MAX_TEXT = 256;

    private static final ObjectMapper TREE = new ObjectMapper();

    private final GuestChannelConfig config;
    private final PendingRequests pending;
    private final StatsCounters stats;
    private final TokenBucket frames;
    private final TokenBucket bytes;
    private final TokenBucket metrics;
    private final TokenBucket upscales;
    private final TokenBucket invalidReplies;
    private final ErrorWindow errors;
    private volatile boolean established;

    GuestSession(GuestChannelConfig config, PendingRequests pending, StatsCounters stats, long nowNanos) {
        this.config = config;
        this.pending = pending;
        this.stats = stats;
        this.frames = new TokenBucket(config.maxFramesPerSecond(), config.frameBurst(), nowNanos);
        this.bytes = new TokenBucket(config.maxBytesPerSecond(), config.byteBurst(), nowNanos);
        this.metrics = new TokenBucket(config.maxMetricsPerSecond(), Math.max(1, config.maxMetricsPerSecond()), nowNanos);
        this.upscales = new TokenBucket(config.maxUpscaleRequestsPerSecond(), Math.max(1, config.maxUpscaleRequestsPerSecond()), nowNanos);
        this.invalidReplies = new TokenBucket(config.maxInvalidRepliesPerSecond(), Math.max(1, config.maxInvalidRepliesPerSecond()), nowNanos);
        this.errors = new ErrorWindow(config.maxProtocolErrors(), config.protocolErrorWindow().toNanos());
    }

    boolean established() {
        return established;
    }

    /** Called for every read, before framing: the byte-rate flood check. Null if fine. */
    Inbound.Fatal onBytes(int n, long nowNanos) {
        if (!bytes.tryTake(n, nowNanos)) {
            return new Inbound.Fatal(Inbound.Fatal.Kind.QUARANTINE,
                    "flood: more than " + (long) config.maxBytesPerSecond() + " bytes/s");
        }
        return null;
    }

    /** The byte stream cannot be framed any more (length 0 or above the cap). */
    Inbound.Fatal onFramingError(String message) {
        stats.protocolErrors.incrementAndGet();
        if (!established) {
            return new Inbound.Fatal(Inbound.Fatal.Kind.GARBLED_START, "garbled stream before handshake: " + message);
        }
        return new Inbound.Fatal(Inbound.Fatal.Kind.QUARANTINE, message);
    }

    Inbound onFrame(byte[] payload, long nowNanos) {
        stats.framesIn.incrementAndGet();
        if (!frames.tryTake(1, nowNanos)) {
            return new Inbound.Fatal(Inbound.Fatal.Kind.QUARANTINE,
                    "flood: more than " + (long) config.maxFramesPerSecond() + " frames/s");
        }
        return established ? onMessage(payload, nowNanos) : onHandshake(payload, nowNanos);
    }

    private Inbound onHandshake(byte[] payload, long nowNanos) {
        if (GuestFrames.isVersionRange(payload)) {
            return reject(0, "the guest must not send VersionRange", nowNanos);
        }
        try {
            VersionChoice choice = GuestFrames.decodeVersionChoice(payload);
            if (choice.version() != VERSION) {
                return new Inbound.Fatal(Inbound.Fatal.Kind.INCOMPATIBLE,
                        "guest chose protocol version " + choice.version() + ", host speaks " + VERSION + ".." + VERSION);
            }
            established = true;
            return new Inbound.Established(choice.version());
        } catch (GuestFrames.MalformedPayloadException notAChoice) {
            try {
                GuestFrames.decodeMessage(payload);
                // The guest still talks in the session of a previous connection; it starts a new
                // one once it reads our VersionRange.
                return new Inbound.Ignored("message before the handshake");
            } catch (GuestFrames.MalformedPayloadException e) {
                return reject(idOf(payload), "expected VersionChoice: " + e.getMessage(), nowNanos);
            }
        }
    }

    private Inbound onMessage(byte[] payload, long nowNanos) {
        GuestMessage m;
        try {
            m = GuestFrames.decodeMessage(payload);
        } catch (GuestFrames.MalformedPayloadException e) {
            if (isRepeatedChoice(payload)) {
                // Our VersionRange went out twice before the guest answered the first; it answered both.
                return new Inbound.Ignored("repeated VersionChoice");
            }
            if (GuestFrames.isVersionRange(payload)) {
                return reject(0, "the guest must not send VersionRange", nowNanos);
            }
            return reject(idOf(payload), e.getMessage(), nowNanos);
        }
        return switch (m) {
            case GuestMessage.Metrics x -> onMetrics(x, nowNanos);
            case GuestMessage.UpscaleRequest x -> {
                if (!guestParity(x.id())) {
                    yield reject(x.id(), "guest ids must be odd and positive", nowNanos);
                }
                if (!upscales.tryTake(1, nowNanos)) {
                    stats.rateLimitedDrops.incrementAndGet();
                    yield new Inbound.Ignored("UpscaleRequest rate limited");
                }
                yield new Inbound.UpscaleRequested(x);
            }
            case GuestMessage.DownscaleResult x -> x.status() == null
                    ? reject(x.id(), "status must be a string", nowNanos)
                    : answer(x, nowNanos);
            case GuestMessage.UpscaleConfirmation x -> answer(x, nowNanos);
            case GuestMessage.HealthCheck x -> answer(x, nowNanos);
            case GuestMessage.CpusOnline x -> x.cpus() < 1 || x.cpus() > MAX_CPUS
                    ? reject(x.id(), "cpus " + x.cpus() + " outside 1.." + MAX_CPUS, nowNanos)
                    : answer(x, nowNanos);
            case GuestMessage.SetCpusOnline x -> reject(x.id(), "SetCpusOnline is sent by the host only", nowNanos);
            case GuestMessage.InvalidMessage x -> guestError(x.id(), "guest says invalid message: " + x.error());
            case GuestMessage.InternalError x -> guestError(x.id(), "guest internal error: " + x.error());
            case GuestMessage.DownscaleRequest x -> reject(x.id(), "DownscaleRequest is sent by the host only", nowNanos);
            case GuestMessage.UpscaleNotification x -> reject(x.id(), "UpscaleNotification is sent by the host only", nowNanos);
        };
    }

    private Inbound onMetrics(GuestMessage.Metrics m, long nowNanos) {
        if (!guestParity(m.id())) {
            return reject(m.id(), "guest ids must be odd and positive", nowNanos);
        }
        String insane = insanity(m);
        if (insane != null) {
            return reject(m.id(), insane, nowNanos);
        }
        if (!metrics.tryTake(1, nowNanos)) {
            stats.rateLimitedDrops.incrementAndGet();
            return new Inbound.Ignored("Metrics rate limited");
        }
        return new Inbound.MetricsArrived(m);
    }

    /** Why these metrics cannot be true, or null if they can. */
    static String insanity(GuestMessage.Metrics m) {
        if (m.cpusOnline() < 0 || m.cpusOnline() > MAX_CPUS) {
            return "cpusOnline " + m.cpusOnline() + " outside 0.." + MAX_CPUS;
        }
        if (m.memTotalBytes() < 0 || m.memAvailableBytes() < 0 || m.cachedBytes() < 0 || m.workloadAnonBytes() < 0) {
            return "memory figures must not be negative";
        }
        double[] loads = {m.loadAvg1(), m.loadAvg5(), m.loadAvg15()};
        for (double d : loads) {
            if (!Double.isFinite(d) || d < 0) {
                return "load averages must be finite and not negative";
            }
        }
        double[] psi = {m.psiMemorySome10(), m.psiMemoryFull10(), m.psiCpuSome10()};
        for (double d : psi) {
            if (!Double.isFinite(d) || d < 0 || d > 100) {
                return "pressure figures must be percentages (0..100)";
            }
        }
        if (m.hasCpuBusy() && !(m.cpuBusy() >= 0 && m.cpuBusy() <= 1)) {
            return "cpuBusy must be a share (0..1) or " + GuestMessage.Metrics.CPU_BUSY_UNKNOWN;
        }
        return null;
    }

    private Inbound answer(GuestMessage reply, long nowNanos) {
        if (!hostParity(reply.id())) {
            return reject(reply.id(), "an answer must carry the even id of a host request", nowNanos);
        }
        return switch (pending.answer(reply)) {
            case COMPLETED -> new Inbound.Answered(reply.id());
            case LATE -> new Inbound.Ignored("late or repeated answer to " + reply.id());
            case NEVER_ISSUED -> reject(reply.id(), "no request with id " + reply.id() + " was sent", nowNanos);
            case WRONG_TYPE -> {
                pending.fail(reply.id(), new GuestChannelException("guest answered request " + reply.id()
                        + " with " + reply.getClass().getSimpleName()));
                yield reject(reply.id(), reply.getClass().getSimpleName() + " does not answer request " + reply.id(), nowNanos);
            }
        };
    }

    private Inbound guestError(long id, String text) {
        if (hostParity(id) && pending.fail(id, new GuestRequestException(shorten(text)))) {
            return new Inbound.Answered(id);
        }
        return new Inbound.Ignored(shorten(text));
    }

    private Inbound reject(long id, String error, long nowNanos) {
        stats.protocolErrors.incrementAndGet();
        if (errors.recordAndExceeded(nowNanos)) {
            return new Inbound.Fatal(Inbound.Fatal.Kind.QUARANTINE, "more than " + config.maxProtocolErrors()
                    + " protocol errors in " + config.protocolErrorWindow().toMillis() + " ms, last: " + shorten(error));
        }
        boolean reply = invalidReplies.tryTake(1, nowNanos);
        if (!reply) {
            stats.rateLimitedDrops.incrementAndGet();
        }
        return new Inbound.Rejected(id, shorten(error), reply);
    }

    private static boolean guestParity(long id) {
        return id > 0 && (id & 1) == 1;
    }

    private static boolean hostParity(long id) {
        return id > 0 && (id & 1) == 0;
    }

    private static boolean isRepeatedChoice(byte[] payload) {
        try {
            return GuestFrames.decodeVersionChoice(payload).version() == VERSION;
        } catch (GuestFrames.MalformedPayloadException e) {
            return false;
        }
    }

    /** The integral "id" of a JSON object that did not decode, so the InvalidMessage can name it; else 0. */
    static long idOf(byte[] payload) {
        try {
            JsonNode n = TREE.readTree(payload);
            JsonNode id = n == null ? null : n.get("id");
            return id != null && id.canConvertToExactIntegral() && id.canConvertToLong() ? id.asLong() : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static String shorten(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_TEXT));
        for (int i = 0; i < s.length() && b.length() < MAX_TEXT; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c); // no control characters into logs
        }
        return s.length() > MAX_TEXT ? b.append("...").toString() : b.toString();
    }
}
