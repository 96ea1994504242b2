package io.vmflex.kube.node;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * Keys waiting to be reconciled, as client-go's work queue: a key is queued at most once however
 * often it is added, and never handed to two workers at once; a key added while a worker has it is
 * handed out again after that worker's {@link #done}. So every change is looked at after it
 * happened, by one worker at a time.
 *
 * <p>Thread-safe.
 */
public final class WorkQueue<K> {
    private final ArrayDeque<K> queue = new ArrayDeque<>();
    private final Set<K> queued = new HashSet<>();
    private final Set<K> active = new HashSet<>();
    private final Set<K> dirty = new HashSet<>();
    private boolean closed;

    public synchronized void add(K key) {
        if (closed) {
            return;
        }
        if (active.contains(key)) {
            dirty.add(key);
            return;
        }
        if (queued.add(key)) {
            queue.addLast(key);
            notifyAll();
        }
    }

    /** The next key, which the caller owns until {@link #done}; null once closed. */
    public synchronized K take() throws InterruptedException {
        while (queue.isEmpty() && !closed) {
            wait();
        }
        if (closed) {
            return null;
        }
        K key = queue.removeFirst();
        queued.remove(key);
        active.add(key);
        return key;
    }

    public synchronized void done(K key) {
        active.remove(key);
        if (dirty.remove(key)) {
            add(key);
        }
    }

    public synchronized int size() {
        return queue.size();
    }

    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
