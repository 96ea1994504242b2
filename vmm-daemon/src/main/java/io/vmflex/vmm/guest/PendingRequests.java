package io.vmflex.vmm.guest;

import io.vmflex.api.guest.GuestMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Host requests awaiting the guest's answer, by id. Ids are even and only grow (across sessions),
 * so an even id at or below the last one issued was ours (a late or repeated answer), anything
 * else was never issued. At most {@code max} requests wait at once; only an open (Connected)
 * session accepts new ones.
 *
 * <p>Threadsafe: requests are registered from any thread, answered from the reader thread and
 * forgotten from the timeout thread. Futures are completed outside the lock.
 */
final class PendingRequests {

    /** What became of an answer. */
    enum Outcome { COMPLETED, LATE, NEVER_ISSUED, WRONG_TYPE }

    private record Entry(Class<? extends GuestMessage> replyType, CompletableFuture<GuestMessage> future) {
    }

    private final int max;
    private final Map<Long, Entry> byId = new HashMap<>();
    private long lastIssued;
    private boolean open;

    PendingRequests(int max) {
        this.max = max;
    }

    synchronized void open() {
        open = true;
    }

    /** Issues the next even id for a request answered by {@code replyType}. */
    synchronized long register(Class<? extends GuestMessage> replyType, CompletableFuture<GuestMessage> future) {
        if (!open) {
            throw new GuestChannelException("guest channel not connected");
        }
        if (byId.size() >= max) {
            throw new GuestChannelException("too many requests pending on the guest channel (" + max + ")");
        }
        lastIssued += 2;
        byId.put(lastIssued, new Entry(replyType, future));
        return lastIssued;
    }

    /** Matches an answer (even id) to its request. */
    Outcome answer(GuestMessage reply) {
        Entry e;
        synchronized (this) {
            long id = reply.id();
            if (id <= 0 || (id & 1) != 0 || id > lastIssued) {
                return Outcome.NEVER_ISSUED;
            }
            e = byId.get(id);
            if (e == null) {
                return Outcome.LATE;
            }
            if (!e.replyType.isInstance(reply)) {
                return Outcome.WRONG_TYPE;
            }
            byId.remove(id);
        }
        e.future.complete(reply);
        return Outcome.COMPLETED;
    }

    /** Fails the request {@code id} (the guest answered with an error); false if none waits. */
    boolean fail(long id, Throwable cause) {
        Entry e;
        synchronized (this) {
            e = byId.remove(id);
        }
        if (e == null) {
            return false;
        }
        e.future.completeExceptionally(cause);
        return true;
    }

    synchronized void forget(long id) {
        byId.remove(id);
    }

    synchronized int size() {
        return byId.size();
    }

    /** Stops taking requests and fails every waiting one. */
    void closeAndFailAll(Throwable cause) {
        List<Entry> failed;
        synchronized (this) {
            open = false;
            failed = new ArrayList<>(byId.values());
            byId.clear();
        }
        failed.forEach(e -> e.future.completeExceptionally(cause));
    }
}
