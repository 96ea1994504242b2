package io.vmflex.vmm.migration.qemu;

import com.fasterxml.jackson.databind.JsonNode;

import io.vmflex.vmm.qemu.QmpOps;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The target QEMU's side of a migration's end: whether it has loaded everything, learnt from its
 * {@code MIGRATION} events (the {@code events} capability, {@link MigrationTuning#applyTarget}). The
 * commit waits for that with the guest paused on the source, so a poll's interval and each query's
 * round trip would be guest pause.
 *
 * <p>Thread-safe: {@link #onEvent} is called on a QMP I/O thread and never blocks.
 */
public final class IncomingLoad {
    /** A look at QEMU when no event comes (a target QEMU started without the capability, a lost event). */
    private static final Duration FALLBACK_POLL = Duration.ofMillis(20);

    private final Semaphore changed = new Semaphore(0);
    private volatile String status = "";

    /** Any QMP event of the target QEMU; only {@code MIGRATION} counts. */
    public void onEvent(String event, JsonNode data) {
        if (event.equals("MIGRATION")) {
            status = data.path("status").asText("");
            changed.release();
        }
    }

    /**
     * Returns once QEMU says the incoming migration completed.
     *
     * @throws IllegalStateException if it failed, or did not complete within {@code timeout}
     */
    public void awaitCompleted(QmpOps ops, Duration timeout) throws QmpOps.QmpFailure, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String s = status;
        while (!s.equals("completed")) {
            if (s.equals("failed") || s.equals("cancelled")) {
                throw new IllegalStateException("incoming migration is " + s);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("incoming migration is still " + (s.isEmpty() ? "loading" : s) + " after "
                        + timeout.toSeconds() + " s");
            }
            if (changed.tryAcquire(FALLBACK_POLL.toNanos(), TimeUnit.NANOSECONDS)) {
                s = status;
            } else {
                s = ops.call("query-migrate", null).path("status").asText();
            }
        }
    }
}
