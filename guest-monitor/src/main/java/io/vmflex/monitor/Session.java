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
    private final SysfsCpus cpus;
    private volatile Phase phase = Phase.AWAITING_RANGE;

    /** A session of a guest that was not booted for SysfsScaling: SetCpusOnline is refused. */
    public Session(Supplier<GuestStats> stats) {
        this(stats, null);
    }

    /** @param cpus the guest's CPUs under SysfsScaling, or null when the guest was not booted for it */
    public Session(Supplier<GuestStats> stats, SysfsCpus cpus) {
        this.stats = stats;
        this.cpus = cpus;
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
        if (m instanceof GuestMessage.SetCpusOnline c) {
            return Step.reply(setCpusOnline(c));
        }
        if (m instanceof GuestMessage.InvalidMessage || m instanceof GuestMessage.InternalError) {
            // The host's complaints about us: nothing to answer (answering would ping-pong).
            return Step.reply();
        }
        // The rest (UpscaleRequest, DownscaleResult, UpscaleConfirmation, Metrics, CpusOnline) only the guest sends.
        return unexpected(m);
    }

    private GuestMessage setCpusOnline(GuestMessage.SetCpusOnline c) {
        if (cpus == null) {
            return new GuestMessage.InvalidMessage(c.id(), "SetCpusOnline: this guest was not booted with "
                    + SysfsCpus.CMDLINE_WORD);
        }
        if (c.cpus() < 1 || c.cpus() > SysfsCpus.MAX_CPUS) {
            return new GuestMessage.InvalidMessage(c.id(), "SetCpusOnline: cpus must be 1.." + SysfsCpus.MAX_CPUS
                    + ", got " + c.cpus());
        }
        try {
            return new GuestMessage.CpusOnline(c.id(), cpus.setOnline(c.cpus()));
        } catch (java.io.IOException | RuntimeException e) {
            return new GuestMessage.InternalError(c.id(), "SetCpusOnline " + c.cpus() + ": " + e.getMessage());
        }
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
