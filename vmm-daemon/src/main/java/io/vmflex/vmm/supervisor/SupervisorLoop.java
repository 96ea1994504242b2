package io.vmflex.vmm.supervisor;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link VmSupervisor}'s own thread (one virtual thread, an {@link OwnerThread}) and what it runs:
 * work handed over from other threads, and the next reconcile tick, of which at most one is pending.
 * Once {@link #stop stopped} (the VM left this node or the daemon lets go of it) handed-over callbacks
 * are dropped and no tick is scheduled; work already queued still runs, so a request that waited can
 * say why it was refused.
 *
 * <p>Thread-safe: {@link #submit}, {@link #enqueue}, {@link #execute} and the shutdowns from any
 * thread; {@link #schedule} and {@link #stop} only on the owner thread ({@link #schedule} checks).
 */
final class SupervisorLoop {
    private final OwnerThread owner;
    private final ScheduledExecutorService executor;
    private final Runnable tick;
    private final Supplier<String> refusal;
    private volatile boolean stopped;
    private ScheduledFuture<?> nextTick; // owner thread

    /**
     * @param tick    one reconcile step, run by {@link #schedule}
     * @param refusal why work handed over after the shutdown is refused
     */
    SupervisorLoop(String vm, Runnable tick, Supplier<String> refusal) {
        this.owner = new OwnerThread(vm);
        this.executor = Executors.newSingleThreadScheduledExecutor(
                owner.factory(Thread.ofVirtual().name("vm-" + vm).factory()));
        this.tick = tick;
        this.refusal = refusal;
    }

    /** Runs {@code work} on the owner thread; the future fails with a {@link VmConflictException} once the loop shut down. */
    <T> CompletableFuture<T> submit(Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    f.complete(work.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new VmConflictException(refusal.get()));
        }
        return f;
    }

    /** A callback's work, run on the owner thread unless the loop stopped by then; dropped once it shut down. */
    void enqueue(Runnable r) {
        execute(() -> {
            if (!stopped) {
                r.run();
            }
        });
    }

    /** Runs {@code r} on the owner thread even after {@link #stop}; dropped once the loop shut down. */
    void execute(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException ignored) {
            // the supervisor is gone
        }
    }

    /** The next tick after {@code delay}, replacing one still pending. Owner thread. */
    void schedule(Duration delay) {
        owner.check("scheduling the next reconcile");
        if (stopped || executor.isShutdown()) {
            return;
        }
        if (nextTick != null) {
            nextTick.cancel(false);
        }
        try {
            nextTick = executor.schedule(tick, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException ignored) {
            // shutting down
        }
    }

    /** @throws IllegalStateException when called from any thread but the owner */
    void check(String what) {
        owner.check(what);
    }

    /** The VM is no longer supervised here: no tick, no callback from now on. Owner thread. */
    void stop() {
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    /** Runs what is queued, then ends the thread. */
    void shutdown() {
        executor.shutdown();
    }

    /** Ends the thread now, interrupting what runs. */
    void shutdownNow() {
        executor.shutdownNow();
    }
}
