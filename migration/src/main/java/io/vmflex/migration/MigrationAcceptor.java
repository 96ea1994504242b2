package io.vmflex.migration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The target daemon's list of migrations it will accept, each with a channel count and an expiry.
 * Only authenticated peers reach {@link #claim}. Expired expectations are dropped lazily (on the
 * next {@code expect} or {@code claim}); one that expires with channels still missing fails its
 * completion with a {@link TimeoutException}, while relays already running are left alone.
 *
 * <p>Thread-safe (one lock; every operation is a few map lookups).
 */
public final class MigrationAcceptor {

    /** The answer to an authenticated peer asking for a channel. */
    sealed interface Claim {
        record Granted(Expectation expectation) implements Claim {
        }

        record Refused(HelloStatus status) implements Claim {
        }
    }

    private final LongSupplier nanoClock;
    private final Map<UUID, Expectation> byId = new HashMap<>(); // guarded by this
    /** Not yet closed, expired or not: their relays may still run and must stop on {@link #closeAll()}. */
    private final Set<Expectation> live = new HashSet<>(); // guarded by this

    public MigrationAcceptor() {
        this(System::nanoTime);
    }

    /** @param nanoClock a {@link System#nanoTime()}-like clock; tests pass a fake one */
    public MigrationAcceptor(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /**
     * Expects {@code channels} connections for {@code migrationId} within {@code ttl}.
     *
     * @throws IllegalStateException if that migration is already expected
     */
    public Expectation expect(UUID migrationId, int channels, Duration ttl, LocalEndpoint endpoint) {
        return expect(migrationId, channels, ttl, endpoint, Duration.ZERO);
    }

    /**
     * As {@link #expect(UUID, int, Duration, LocalEndpoint)}; the relays of the accepted channels treat a
     * peer silent for {@code deadPeerAfter} as gone (TCP keep-alive), zero for never.
     */
    public Expectation expect(UUID migrationId, int channels, Duration ttl, LocalEndpoint endpoint, Duration deadPeerAfter) {
        if (channels < 1 || channels > 0xFFFF) {
            throw new IllegalArgumentException("channels must be in 1..65535: " + channels);
        }
        List<Expectation> expired;
        Expectation e;
        synchronized (this) {
            expired = purge();
            if (byId.containsKey(migrationId)) {
                throw new IllegalStateException("migration " + migrationId + " is already expected");
            }
            e = new Expectation(this, migrationId, channels, nanoClock.getAsLong() + ttl.toNanos(), endpoint, deadPeerAfter);
            byId.put(migrationId, e);
            live.add(e);
        }
        failExpired(expired);
        return e;
    }

    Claim claim(UUID migrationId, int channel) {
        List<Expectation> expired;
        Claim claim;
        synchronized (this) {
            expired = purge();
            Expectation e = byId.get(migrationId);
            if (e == null) {
                claim = new Claim.Refused(HelloStatus.UNKNOWN_MIGRATION);
            } else if (channel >= e.channels()) {
                claim = new Claim.Refused(HelloStatus.CHANNEL_OUT_OF_RANGE);
            } else if (!e.claim(channel)) {
                claim = new Claim.Refused(HelloStatus.CHANNEL_ALREADY_USED);
            } else {
                claim = new Claim.Granted(e);
            }
        }
        failExpired(expired);
        return claim;
    }

    synchronized void remove(Expectation e) {
        byId.remove(e.migrationId(), e);
        live.remove(e);
    }

    /** Withdraws every expectation and closes their relays (daemon shutdown). */
    public void closeAll() {
        List<Expectation> all;
        synchronized (this) {
            all = new ArrayList<>(live);
        }
        all.forEach(Expectation::close);
    }

    private List<Expectation> purge() {
        long now = nanoClock.getAsLong();
        List<Expectation> expired = new ArrayList<>();
        byId.values().removeIf(e -> {
            if (now - e.deadlineNanos() >= 0) {
                if (!e.fullyClaimed()) {
                    expired.add(e);
                }
                return true;
            }
            return false;
        });
        return expired;
    }

    private static void failExpired(List<Expectation> expired) {
        for (Expectation e : expired) {
            e.fail(new TimeoutException("migration " + e.migrationId() + " expired before all "
                    + e.channels() + " channels connected"));
        }
    }
}
