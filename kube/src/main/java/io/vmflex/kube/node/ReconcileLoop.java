package io.vmflex.kube.node;

import org.slf4j.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * What a controller's worker threads run: take a key from a {@link WorkQueue}, reconcile it, and when the
 * reconcile fails in a way the controller expects (a resourceVersion conflict, the API server away) count
 * the key's failures in a row and hand the key back after a backoff that doubles per failure. The 1st and
 * every 20th failure in a row is logged, so a stuck key shows in the log without flooding it; a success
 * forgets the count. A failure the controller did not expect is a bug: logged with its stack, the key is
 * dropped until its next change or resync.
 *
 * <p>Thread-safe: any number of workers may {@link #run} one loop over one queue.
 */
public final class ReconcileLoop<K> {
    /** The controller's reconcile of one key. */
    @FunctionalInterface
    public interface Reconciler<K> {
        void reconcile(K key) throws Exception;
    }

    /** Puts {@code key} back in the queue after {@code delay} (or not at all once the controller closed). */
    @FunctionalInterface
    public interface Retry<K> {
        void after(K key, Duration delay);
    }

    /** The delay after the n-th failure in a row: {@code first} doubled {@code min(n - 1, maxDoublings)} times, at most {@code max}. */
    public record Backoff(Duration first, int maxDoublings, Duration max) {
        public Backoff {
            if (first.isNegative() || max.isNegative() || maxDoublings < 0 || maxDoublings > 30) {
                throw new IllegalArgumentException("backoff: first and max must not be negative, maxDoublings in 0..30");
            }
        }

        public Duration after(int failures) {
            long ms = first.toMillis() << Math.min(Math.max(failures, 1) - 1, maxDoublings);
            return Duration.ofMillis(Math.min(max.toMillis(), ms));
        }
    }

    private final WorkQueue<K> queue;
    private final Reconciler<K> reconciler;
    private final Predicate<Exception> expected;
    private final Backoff backoff;
    private final Retry<K> retry;
    private final Logger log;
    private final Map<K, Integer> failures = new ConcurrentHashMap<>();

    /**
     * @param expected which failures are retried with backoff (the rest are bugs)
     * @param log      the controller's logger, so its lines keep its name
     */
    public ReconcileLoop(WorkQueue<K> queue, Reconciler<K> reconciler, Predicate<Exception> expected,
            Backoff backoff, Retry<K> retry, Logger log) {
        this.queue = queue;
        this.reconciler = reconciler;
        this.expected = expected;
        this.backoff = backoff;
        this.retry = retry;
        this.log = log;
    }

    /** Works keys until the queue is closed or the thread interrupted. */
    public void run() {
        while (true) {
            K key;
            try {
                key = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (key == null) {
                return;
            }
            try {
                step(key);
            } finally {
                queue.done(key);
            }
        }
    }

    /** One key, taken from the queue by the caller (who calls {@link WorkQueue#done} after). */
    void step(K key) {
        try {
            reconciler.reconcile(key);
            failures.remove(key);
        } catch (Exception e) {
            if (!expected.test(e)) {
                failures.remove(key);
                log.error("{}: unexpected failure, left until its next change", key, e);
                return;
            }
            int n = failures.merge(key, 1, Integer::sum);
            Duration delay = backoff.after(n);
            if (n == 1 || n % 20 == 0) {
                log.warn("{}: {} (attempt {}, again in {} ms)", key, e.getMessage() == null ? e.toString() : e.getMessage(),
                        n, delay.toMillis());
            }
            retry.after(key, delay);
        }
    }

    /** How many times in a row {@code key} failed (0 after a success). */
    int failures(K key) {
        return failures.getOrDefault(key, 0);
    }
}
