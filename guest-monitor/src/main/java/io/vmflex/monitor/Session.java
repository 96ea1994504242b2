package io.vmflex.monitor;

import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.VersionChoice;
import io.vmflex.api.guest.VersionRange;

import java.util.List;
import java.util.function.Supplier;

/**
 * The guest side of the channel protocol for one opened port, as a pure step: a payload in, the
 * replies out. Phases: {@link Phase#AWAITING_RANGE} until the host's {@link VersionRange} includes
 * version 1, then {@link Phase#ACTIVE}; a range arriving again starts a new session (the host
 * restarted or the VM migrated while the port stayed open).
 *
 * <p>Not threadsafe: the reader thread owns it; others may read {@link #phase()} (volatile).
 */
public final class Session {
    public static final int VERSION = 1;

    public enum Phase { AWAITING_RANGE, ACTIVE }

    /** What one payload caused: the replies to send, and whether a session just started. */
    public record Step(List<Object> replies, boolean started) {
        static Step reply(Object... replies) {
            return new Step(List.of(replies), false);
        }
    }

    private final Supplier<GuestStats> stats;
    private volatile Phase phase = Phase.AWAITING_RANGE;

    public Session(Supplier<GuestStats> stats) {
        this.stats = stats;
    }

    public Phase phase() {
        return phase;
    }

    public Step onPayload(byte[] payload) {
        if (GuestCodec.isVersionRange(payload)) {
            return onRange(payload);
        }
        if (phase != Phase.ACTIVE) {
            return Step.reply(new GuestMessage.InvalidMessage(0, "no session yet: expected a VersionRange"));
        }
        GuestMessage m;
        try {
            m = GuestCodec.decodeMessage(payload);
        } catch (GuestCodec.MalformedPayloadException e) {
            return Step.reply(new GuestMessage.InvalidMessage(0, e.getMessage()));
        }
        // An instanceof ladder, not a pattern switch: the switch's indy bootstrap generates a class
        // with the ClassFile API at first use (hundreds of JDK classes in the guest's small JVM).
        if (m instanceof GuestMessage.DownscaleRequest r) {
            return Step.reply(MemoryPolicy.decideDownscale(r.id(), r.target(), stats.get()));
        }
        if (m instanceof GuestMessage.UpscaleNotification n) {
            return Step.reply(new GuestMessage.UpscaleConfirmation(n.id()));
        }
        if (m instanceof GuestMessage.HealthCheck h) {
            return Step.reply(new GuestMessage.HealthCheck(h.id()));
        }
        if (m instanceof GuestMessage.InvalidMessage || m instanceof GuestMessage.InternalError) {
            // The host's complaints about us: nothing to answer (answering would ping-pong).
            return Step.reply();
        }
        // The rest (UpscaleRequest, DownscaleResult, UpscaleConfirmation, Metrics) only the guest sends.
        return unexpected(m);
    }

    private Step onRange(byte[] payload) {
        VersionRange range;
        try {
            range = GuestCodec.decodeVersionRange(payload);
        } catch (GuestCodec.MalformedPayloadException e) {
            return Step.reply(new GuestMessage.InvalidMessage(0, e.getMessage()));
        }
        if (range.min() > VERSION || range.max() < VERSION) {
            phase = Phase.AWAITING_RANGE;
            return Step.reply(new GuestMessage.InvalidMessage(0, "no common version: host speaks "
                    + range.min() + ".." + range.max() + ", guest speaks " + VERSION));
        }
        phase = Phase.ACTIVE;
        return new Step(List.of(new VersionChoice(VERSION)), true);
    }

    private static Step unexpected(GuestMessage m) {
        return Step.reply(new GuestMessage.InvalidMessage(m.id(), m.getClass().getSimpleName() + " is sent by the guest, not the host"));
    }
}
