package io.vmflex.vmm.migration.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.vmm.qemu.QmpOps;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Carries a VM's root disk writes with a live migration: the QMP steps of an NBD-based mirror, for
 * both ends, in one place (the daemon and the migration benchmark's direct baseline run the same).
 *
 * <p>Each VM writes into its own qcow2 overlay over the image (shared by all nodes, never written);
 * the target starts with a fresh overlay over the same image. So only the source overlay's
 * clusters need to move: the target exports its root disk over NBD on a Unix socket (relayed like
 * the RAM stream), the source mirrors its top layer into it ({@code sync=top}) with
 * {@code copy-mode=write-blocking}, so that once the job is ready every guest write reaches both
 * disks before the guest sees it complete, and RAM migration starts only then. With
 * {@code pause-before-switchover} QEMU stops the guest before the final RAM pass; the job is then
 * completed without a pivot (cancel of a ready mirror: in-flight writes drain first) and the
 * migration continues. The target stops its NBD server before it resumes the guest.
 *
 * <p>Stateless; thread-safe.
 */
public final class DiskMirror {
    private static final ObjectMapper JSON = ApiMapper.json();
    /** The root disk's BlockBackend ({@code -drive id=rootdisk}), see QemuCommandLine. */
    public static final String DEVICE = "rootdisk";
    /** Job id and node name of the source's NBD client node; the NBD export name on the target. */
    static final String JOB = "vmflex-mirror";
    private static final String EXPORT = "vmflex-root";
    private static final Duration STEP = Duration.ofMillis(20);
    /** Longest wait between two looks at a finishing job when no event comes. */
    private static final Duration FINISH_POLL = Duration.ofMillis(5);

    private DiskMirror() {
    }

    /**
     * QEMU's events about the mirror job. The job is completed with the guest paused, so its end is
     * taken from the event (which also says how it ended), not found by polling: every query there
     * is a QMP round trip of guest downtime.
     *
     * <p>Thread-safe: {@link #onEvent} is called on a QMP I/O thread and never blocks.
     */
    public static final class JobEvents {
        private final Semaphore signal = new Semaphore(0);
        private volatile JobEnd end;

        /** Whether a QMP event is about the mirror job ({@code BLOCK_JOB_COMPLETED}, {@code _CANCELLED}, {@code _READY}, {@code _ERROR}). */
        public static boolean concerns(String event, JsonNode data) {
            return event.startsWith("BLOCK_JOB_") && JOB.equals(data.path("device").asText(null));
        }

        /** An event about the job ({@link #concerns}). */
        public void onEvent(String event, JsonNode data) {
            switch (event) {
                case "BLOCK_JOB_COMPLETED" -> end = data.hasNonNull("error")
                        ? new JobEnd.Failed("disk mirror: " + data.path("error").asText())
                        : new JobEnd.InSync();
                // A graceful cancel of a mirror that was not in sync: the target misses writes.
                case "BLOCK_JOB_CANCELLED" -> end = new JobEnd.Failed("the disk mirror was not in sync when it was completed");
                default -> {
                }
            }
            signal.release();
        }

        void forgetEarlier() {
            end = null;
            signal.drainPermits();
        }

        JobEnd end() {
            return end;
        }

        void awaitNext(Duration max) throws InterruptedException {
            if (signal.tryAcquire(max.toNanos(), TimeUnit.NANOSECONDS)) {
                signal.drainPermits();
            }
        }
    }

    /** How the mirror job ended, from its last event. */
    sealed interface JobEnd {
        /** Completed without a pivot: the target held every write. */
        record InSync() implements JobEnd {
        }

        record Failed(String message) implements JobEnd {
        }
    }

    /** Whether this QEMU has a root disk to carry. */
    public static boolean hasRootDisk(QmpOps ops) throws QmpOps.QmpFailure {
        for (JsonNode b : ops.call("query-block", null)) {
            if (b.path("device").asText().equals(DEVICE) && b.has("inserted")) {
                return true;
            }
        }
        return false;
    }

    /** Target, before {@code migrate-incoming}: serve the root disk, writable, on {@code socket}. */
    public static void export(QmpOps ops, Path socket) throws QmpOps.QmpFailure {
        String node = null;
        for (JsonNode b : ops.call("query-block", null)) {
            if (b.path("device").asText().equals(DEVICE)) {
                node = b.path("inserted").path("node-name").asText(null);
            }
        }
        if (node == null) {
            throw new IllegalStateException("the target QEMU has no root disk to receive the source's");
        }
        ObjectNode start = JSON.createObjectNode();
        start.putObject("addr").put("type", "unix").putObject("data").put("path", socket.toString());
        ops.call("nbd-server-start", start);
        ObjectNode add = JSON.createObjectNode();
        add.put("type", "nbd").put("id", EXPORT).put("node-name", node).put("name", DEVICE).put("writable", true);
        ops.call("block-export-add", add);
    }

    /** Target, before {@code cont}: nothing may write the disk but the guest from now on. */
    public static void stopExport(QmpOps ops) throws QmpOps.QmpFailure {
        ops.call("nbd-server-stop", null);
    }

    /**
     * Source: connects to the target's export through {@code socket} (the relay) and starts the
     * mirror job; {@link #awaitReady} follows.
     *
     * @param maxBandwidthMbps the migration's bandwidth cap, which binds the disk copy as it binds
     *                         the RAM stream (QEMU's {@code max-bandwidth} covers only RAM); it limits the
     *                         background copy, not the guest's own writes once in sync
     */
    public static void start(QmpOps ops, Path socket, long maxBandwidthMbps) throws QmpOps.QmpFailure {
        ObjectNode add = JSON.createObjectNode();
        add.put("driver", "nbd").put("node-name", JOB).put("export", DEVICE);
        add.putObject("server").put("type", "unix").put("path", socket.toString());
        ops.call("blockdev-add", add);
        ObjectNode mirror = JSON.createObjectNode();
        mirror.put("job-id", JOB).put("device", DEVICE).put("target", JOB).put("sync", "top")
                .put("copy-mode", "write-blocking").put("speed", maxBandwidthMbps * 1_000_000L / 8);
        ops.call("blockdev-mirror", mirror);
    }

    /** The copy's progress while {@link #awaitReady} waits. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (copied, total) -> { };

        void copied(long bytes, long totalBytes);
    }

    /** What {@link #awaitReady} saw. */
    public sealed interface Readiness {
        record Ready(long bytes) implements Readiness {
        }

        record Failed(String message) implements Readiness {
        }

        record Stopped() implements Readiness {
        }
    }

    /**
     * Source: waits until the job has copied the overlay and mirrors synchronously.
     *
     * @param stall gives up when the job's copied offset does not grow for this long (a large overlay
     *              may take long; a stuck one fails like a stalled RAM stream)
     * @param stop  true ends the wait early (cancel, or the relay broke)
     * @param progress told the job's copied offset and total length after every look
     */
    public static Readiness awaitReady(QmpOps ops, Duration stall, BooleanSupplier stop, Progress progress)
            throws QmpOps.QmpFailure, InterruptedException {
        long lastOffset = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            JsonNode job = job(ops);
            if (job == null) {
                return new Readiness.Failed("the disk mirror job ended before it was ready");
            }
            if (job.path("ready").asBoolean(false)) {
                return new Readiness.Ready(job.path("offset").asLong());
            }
            if (job.hasNonNull("error")) {
                return new Readiness.Failed("disk mirror: " + job.path("error").asText());
            }
            if (stop.getAsBoolean()) {
                return new Readiness.Stopped();
            }
            long offset = job.path("offset").asLong();
            progress.copied(offset, job.path("len").asLong());
            if (offset != lastOffset) {
                lastOffset = offset;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                return new Readiness.Failed("the disk mirror made no progress for " + stall.toSeconds() + " s (at "
                        + offset + " of " + job.path("len").asLong() + " bytes)");
            }
            Thread.sleep(STEP.toMillis());
        }
    }

    /**
     * Source, guest paused (pre-switchover): completes the job without a pivot, which first drains
     * what is in flight and flushes the target. The target holds every write from here.
     *
     * <p>Two things are left out of the pause on purpose. No look at the job first: a cancel of a
     * mirror that was not in sync ends it with {@code BLOCK_JOB_CANCELLED} rather than
     * {@code _COMPLETED}, which fails here just as well. And the NBD node stays: it has no user once
     * the job ended, QEMU flushes and deactivates it with every other node when it completes the
     * migration, and the QEMU goes away afterwards (a roll-back drops it, {@link #abandon}).
     *
     * @param events the job's events from the same QMP connection; they decide how the job ended
     */
    public static void finish(QmpOps ops, Duration timeout, JobEvents events) throws QmpOps.QmpFailure, InterruptedException {
        events.forgetEarlier();
        ObjectNode cancel = JSON.createObjectNode();
        cancel.put("device", JOB);
        ops.call("block-job-cancel", cancel);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            switch (events.end()) {
                case JobEnd.InSync ok -> {
                    return;
                }
                case JobEnd.Failed f -> throw new IllegalStateException(f.message());
                case null -> {
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the disk mirror job did not end within " + timeout.toSeconds() + " s");
            }
            events.awaitNext(FINISH_POLL);
            // QEMU sends the job's last event before it answers a later command on the same
            // connection, so a job that is gone without one ended in a way nobody saw.
            if (events.end() == null && job(ops) == null && events.end() == null) {
                throw new IllegalStateException("the disk mirror job ended without saying how");
            }
        }
    }

    /** Source, on roll-back: ends the job and drops the node, whatever state they are in. */
    public static void abandon(QmpOps ops) {
        try {
            if (job(ops) != null) {
                ObjectNode cancel = JSON.createObjectNode();
                cancel.put("device", JOB).put("force", true);
                ops.call("block-job-cancel", cancel);
                awaitGone(ops, Duration.ofSeconds(10));
            }
        } catch (QmpOps.QmpFailure | RuntimeException e) {
            // the node is dropped below either way
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            deleteNode(ops);
        } catch (QmpOps.QmpFailure ignored) {
            // never added, or already gone
        }
    }

    private static void deleteNode(QmpOps ops) throws QmpOps.QmpFailure {
        ObjectNode del = JSON.createObjectNode();
        del.put("node-name", JOB);
        ops.call("blockdev-del", del);
    }

    /**
     * Waits until QEMU no longer lists the job, a look every {@link #FINISH_POLL} (no events here: a
     * restarted daemon settling, or a roll-back, where the guest runs).
     */
    private static void awaitGone(QmpOps ops, Duration timeout) throws QmpOps.QmpFailure, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (job(ops) != null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the disk mirror job did not end within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(FINISH_POLL);
        }
    }

    /**
     * How far the job is: {@code done} of {@code total} bytes. Once in sync, every guest write adds to
     * both, {@code total} when it starts and {@code done} when the target acknowledged it.
     */
    public record JobProgress(long done, long total) {
    }

    /** Source: the mirror job's progress, or null when there is no job. */
    public static JobProgress progress(QmpOps ops) throws QmpOps.QmpFailure {
        JsonNode job = job(ops);
        return job == null ? null : new JobProgress(job.path("offset").asLong(), job.path("len").asLong());
    }

    private static JsonNode job(QmpOps ops) throws QmpOps.QmpFailure {
        for (JsonNode j : ops.call("query-block-jobs", null)) {
            if (j.path("device").asText().equals(JOB)) {
                return j;
            }
        }
        return null;
    }
}
