package io.vmflex.kube.node;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Which node events become Kubernetes Events, as client-go's recorder does it: an event equal to one
 * recorded in the last {@link #SAME_WINDOW} (same object, type, reason, message) increments that
 * Event's count instead of adding one, and each object has a token bucket ({@link #BURST} events,
 * one more every {@link #REFILL}) so a VM that flaps cannot flood the API server.
 *
 * <p>Pure (time is an argument). Not thread-safe: one owner.
 */
public final class EventThrottle {
    public static final int BURST = 25;
    public static final Duration REFILL = Duration.ofSeconds(10);
    public static final Duration SAME_WINDOW = Duration.ofMinutes(10);

    /** One event as the node reports it, for one object. */
    public record Key(ObjectKey object, String type, String reason, String message) {
    }

    public sealed interface Decision {
    }

    /** A new Event named {@code name}. */
    public record Create(String name) implements Decision {
    }

    /** The Event {@code name} happened again: it now counts {@code count}. */
    public record Repeat(String name, int count, Instant first) implements Decision {
    }

    /** Over the object's rate: not recorded. */
    public record Drop(long droppedSoFar) implements Decision {
    }

    private record Recorded(String name, int count, Instant first, Instant last) {
    }

    private static final class Bucket {
        double tokens = BURST;
        Instant at;
    }

    private final Map<Key, Recorded> recorded = new HashMap<>();
    private final Map<ObjectKey, Bucket> buckets = new HashMap<>();
    private long sequence;
    private long dropped;

    public Decision offer(Key key, Instant now) {
        if (!take(key.object(), now)) {
            return new Drop(++dropped);
        }
        Recorded r = recorded.get(key);
        if (r != null && Duration.between(r.last(), now).compareTo(SAME_WINDOW) < 0) {
            Recorded again = new Recorded(r.name(), r.count() + 1, r.first(), now);
            recorded.put(key, again);
            return new Repeat(again.name(), again.count(), again.first());
        }
        if (recorded.size() > 4096) {
            forgetOlderThan(now.minus(SAME_WINDOW));
        }
        // Unique within the namespace, as the recorder's <object>.<hex time> names are.
        String name = key.object().name() + "." + Long.toHexString(now.toEpochMilli() * 1000 + (sequence++ % 1000));
        recorded.put(key, new Recorded(name, 1, now, now));
        return new Create(name);
    }

    /** Forgets an Event whose object has lost it (an Event expired on the server): the next equal one is new. */
    public void forget(Key key) {
        recorded.remove(key);
    }

    private boolean take(ObjectKey object, Instant now) {
        Bucket b = buckets.computeIfAbsent(object, o -> new Bucket());
        if (b.at != null) {
            double refill = (double) Duration.between(b.at, now).toMillis() / REFILL.toMillis();
            b.tokens = Math.min(BURST, b.tokens + Math.max(0, refill));
        }
        b.at = now;
        if (b.tokens < 1) {
            return false;
        }
        b.tokens -= 1;
        return true;
    }

    private void forgetOlderThan(Instant limit) {
        for (Iterator<Recorded> it = recorded.values().iterator(); it.hasNext(); ) {
            if (it.next().last().isBefore(limit)) {
                it.remove();
            }
        }
    }
}
