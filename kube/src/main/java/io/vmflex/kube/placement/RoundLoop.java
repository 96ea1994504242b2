package io.vmflex.kube.placement;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The engine of the scheduler's controllers (placement, watermark migrations): one thread that runs a
 * round over the watch cache whenever it is woken (a cache change, a timer, a backoff), coalescing wakes
 * that come while a round runs, and a bounded set of writers beside it so that a slow API server never
 * holds a round up. A round that throws is logged and retried after a backoff that doubles up to a cap;
 * a write that lands resets it.
 *
 * <p>Thread-safety: {@link #start()} and {@link #close()} from one owner; everything else from any thread.
 */
public final class RoundLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RoundLoop.class);
    /** After a failure: the next try, doubled up to the cap. */
    private static final Duration RETRY_FIRST = Duration.ofMillis(500);
    private static final Duration RETRY_CAP = Duration.ofSeconds(30);

    private final String name;
    private final Runnable round;
    private final Semaphore writeSlots;
    private final ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService timer;
    private final Object wakeLock = new Object();
    private boolean woken;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long retryMillis = RETRY_FIRST.toMillis();
    private Thread loop;

    /**
     * @param name             the thread's name and the logs' word for it (e.g. {@code vmflex-placement})
     * @param writeParallelism writes in flight at most; {@link #submit} waits for a slot
     * @param round            one pass over the cache, on the loop's thread
     */
    public RoundLoop(String name, int writeParallelism, Runnable round) {
        this.name = name;
        this.round = round;
        this.writeSlots = new Semaphore(writeParallelism);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name + "-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the loop's thread with a first round; false if it was started already. */
    public boolean start() {
        if (!running.compareAndSet(false, true)) {
            return false;
        }
        loop = Thread.ofPlatform().name(name).daemon().start(this::run);
        wake();
        return true;
    }

    /** Whether the loop runs (started and not closed). */
    public boolean running() {
        return running.get();
    }

    /** Asks for a round as soon as the one running, if any, ends. */
    public void wake() {
        synchronized (wakeLock) {
            woken = true;
            wakeLock.notifyAll();
        }
    }

    /** Asks for a round after {@code delay}. */
    public void wakeLater(Duration delay) {
        if (running.get()) {
            timer.schedule(this::wake, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
        }
    }

    /** A write failed for a reason other than a stale view: a round after the backoff, which doubles. */
    public void backoff() {
        long delay = retryMillis;
        retryMillis = Math.min(RETRY_CAP.toMillis(), delay * 2);
        wakeLater(Duration.ofMillis(delay));
    }

    /** A write landed: the next failure backs off from the start again. */
    public void succeeded() {
        retryMillis = RETRY_FIRST.toMillis();
    }

    /** Runs {@code write} on a writer once a slot is free; nothing once closed. */
    public void submit(Runnable write) {
        try {
            writeSlots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            writers.execute(() -> {
                try {
                    if (running.get()) {
                        write.run();
                    }
                } catch (RuntimeException e) {
                    LOG.error("{} write failed", name, e);
                } finally {
                    writeSlots.release();
                }
            });
        } catch (RuntimeException e) {
            writeSlots.release();
        }
    }

    private void run() {
        while (running.get()) {
            synchronized (wakeLock) {
                while (!woken && running.get()) {
                    try {
                        wakeLock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                woken = false;
            }
            if (!running.get()) {
                return;
            }
            try {
                round.run();
            } catch (RuntimeException e) {
                LOG.error("{} round failed; next round on the next change or in {} ms", name, retryMillis, e);
                backoff();
            }
        }
    }

    /** Stops the loop and the writers; writes in flight may still land. */
    @Override
    public void close() {
        if (!running.compareAndSet(true, false)) {
            return;
        }
        wake();
        if (loop != null) {
            loop.interrupt();
        }
        timer.shutdownNow();
        writers.shutdownNow();
    }
}
