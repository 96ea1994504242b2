package io.vmflex.vmm.migration.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.vmm.qemu.DataDisks;
import io.vmflex.vmm.qemu.QmpOps;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Carries a VM's writable disks with a live migration: the QMP steps of an NBD-based mirror, for
 * both ends, in one place (the daemon and the migration benchmark's direct baseline run the same).
 * The writable disks are the root disk's overlay and every data disk (spec.disks emptyDisk, QEMU
 * drive ids {@code data-<name>}) and the swap disk (spec.guest.settings.swap, drive id {@code swapdisk}); each has its own NBD export on the target (named after the drive),
 * its own NBD connection (one relay channel each) and its own mirror job, all under the same rules.
 *
 * <p>Each VM writes into its own qcow2 overlay over the image (shared by all nodes, never written);
 * the target starts with a fresh overlay over the same image. So only the source overlay's
 * clusters need to move: the target exports its root disk over NBD on a Unix socket (relayed like
 * the RAM stream), the source mirrors its top layer into it ({@code sync=top}) with
 * {@code copy-mode=write-blocking}, so that once the job is ready every guest write reaches both
 * disks before the guest sees it complete, and RAM migration starts only then. A data disk has no
 * backing file, so {@code sync=top} copies all of it (QEMU sends its unallocated ranges as zero writes);
 * the target's is an empty sparse file of the same size. With
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
    /** Job id and node name of the root disk's mirror (the source's NBD client node); see {@link #job}. */
    static final String JOB = "vmflex-mirror";
    private static final String EXPORT = "vmflex-root";
    /** QEMU drive ids of data disks start with it ({@code DataDisks.driveId}). */
    private static final String DATA_DISK_PREFIX = "data-";
    /** The swap disk's drive id ({@code DataDisks.SWAP_DRIVE_ID}): swapped-out pages are guest memory. */
    private static final String SWAP_DEVICE = DataDisks.SWAP_DRIVE_ID;
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
        private final Map<String, JobEnd> ends = new ConcurrentHashMap<>();

        /** Whether a QMP event is about a mirror job ({@code BLOCK_JOB_COMPLETED}, {@code _CANCELLED}, {@code _READY}, {@code _ERROR}). */
        public static boolean concerns(String event, JsonNode data) {
            return event.startsWith("BLOCK_JOB_") && isMirrorJob(data.path("device").asText(""));
        }

        /** An event about a job ({@link #concerns}). */
        public void onEvent(String event, JsonNode data) {
            String job = data.path("device").asText("");
            switch (event) {
                case "BLOCK_JOB_COMPLETED" -> ends.put(job, data.hasNonNull("error")
                        ? new JobEnd.Failed("disk mirror " + job + ": " + data.path("error").asText())
                        : new JobEnd.InSync());
                // A graceful cancel of a mirror that was not in sync: the target misses writes.
                case "BLOCK_JOB_CANCELLED" -> ends.put(job, new JobEnd.Failed("the disk mirror " + job
                        + " was not in sync when it was completed"));
                default -> {
                }
            }
            signal.release();
        }

        void forgetEarlier() {
            ends.clear();
            signal.drainPermits();
        }

        /** How the jobs ended: the first failure, InSync once all are in sync, null while one has not ended. */
        JobEnd end(List<String> jobs) {
            for (String job : jobs) {
                if (ends.get(job) instanceof JobEnd.Failed f) {
                    return f;
                }
            }
            for (String job : jobs) {
                if (ends.get(job) == null) {
                    return null;
                }
            }
            return new JobEnd.InSync();
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
        return disks(ops).contains(DEVICE);
    }

    /**
     * The disks a migration of this QEMU carries, in QEMU's order: the root disk and every data disk
     * that has a medium and is writable. Empty: nothing to mirror.
     */
    public static List<String> disks(QmpOps ops) throws QmpOps.QmpFailure {
        List<String> out = new ArrayList<>();
        for (JsonNode b : ops.call("query-block", null)) {
            String device = b.path("device").asText();
            if ((device.equals(DEVICE) || device.equals(SWAP_DEVICE) || device.startsWith(DATA_DISK_PREFIX)) && b.has("inserted")
                    && !b.path("inserted").path("ro").asBoolean(false)) {
                out.add(device);
            }
        }
        return List.copyOf(out);
    }

    /** The mirror job of {@code device}, also the node name of its NBD client on the source. */
    static String job(String device) {
        return device.equals(DEVICE) ? JOB : JOB + "-" + device;
    }

    private static boolean isMirrorJob(String id) {
        return id.equals(JOB) || id.startsWith(JOB + "-");
    }

    private static List<String> jobs(List<String> devices) {
        return devices.stream().map(DiskMirror::job).toList();
    }

    /** Target, before {@code migrate-incoming}: serve the root disk, writable, on {@code socket}. */
    public static void export(QmpOps ops, Path socket) throws QmpOps.QmpFailure {
        export(ops, socket, List.of(DEVICE));
    }

    /**
     * Target, before {@code migrate-incoming}: serve {@code devices}, writable, on {@code socket}, one
     * NBD export per disk named after its drive.
     */
    public static void export(QmpOps ops, Path socket, List<String> devices) throws QmpOps.QmpFailure {
        Map<String, String> nodes = new HashMap<>();
        for (JsonNode b : ops.call("query-block", null)) {
            String node = b.path("inserted").path("node-name").asText(null);
            if (node != null) {
                nodes.put(b.path("device").asText(), node);
            }
        }
        for (String device : devices) {
            if (!nodes.containsKey(device)) {
                throw new IllegalStateException("the target QEMU has no disk " + device + " to receive the source's");
            }
        }
        ObjectNode start = JSON.createObjectNode();
        start.putObject("addr").put("type", "unix").putObject("data").put("path", socket.toString());
        ops.call("nbd-server-start", start);
        for (String device : devices) {
            ObjectNode add = JSON.createObjectNode();
            add.put("type", "nbd").put("id", device.equals(DEVICE) ? EXPORT : "vmflex-export-" + device)
                    .put("node-name", nodes.get(device)).put("name", device).put("writable", true);
            ops.call("block-export-add", add);
        }
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
        start(ops, socket, List.of(DEVICE), maxBandwidthMbps);
    }

    /**
     * Source: as {@link #start(QmpOps, Path, long)} for each of {@code devices}; each job gets an
     * equal share of the bandwidth cap, so together they keep to it.
     */
    public static void start(QmpOps ops, Path socket, List<String> devices, long maxBandwidthMbps) throws QmpOps.QmpFailure {
        long speed = Math.max(1, maxBandwidthMbps * 1_000_000L / 8 / devices.size());
        for (String device : devices) {
            ObjectNode add = JSON.createObjectNode();
            add.put("driver", "nbd").put("node-name", job(device)).put("export", device);
            add.putObject("server").put("type", "unix").put("path", socket.toString());
            ops.call("blockdev-add", add);
            ObjectNode mirror = JSON.createObjectNode();
            mirror.put("job-id", job(device)).put("device", device).put("target", job(device)).put("sync", "top")
                    .put("copy-mode", "write-blocking").put("speed", speed);
            ops.call("blockdev-mirror", mirror);
        }
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
        return awaitReady(ops, List.of(DEVICE), stall, stop, progress);
    }

    /**
     * Source: as {@link #awaitReady(QmpOps, Duration, BooleanSupplier, Progress)} for the jobs of
     * {@code devices}: ready once every one is, the offsets and lengths summed over them.
     */
    public static Readiness awaitReady(QmpOps ops, List<String> devices, Duration stall, BooleanSupplier stop,
            Progress progress) throws QmpOps.QmpFailure, InterruptedException {
        long lastOffset = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            Map<String, JsonNode> running = jobsById(ops);
            long offset = 0;
            long len = 0;
            boolean allReady = true;
            for (String id : jobs(devices)) {
                JsonNode job = running.get(id);
                if (job == null) {
                    return new Readiness.Failed("the disk mirror job " + id + " ended before it was ready");
                }
                if (job.hasNonNull("error")) {
                    return new Readiness.Failed("disk mirror " + id + ": " + job.path("error").asText());
                }
                allReady &= job.path("ready").asBoolean(false);
                offset += job.path("offset").asLong();
                len += job.path("len").asLong();
            }
            if (allReady) {
                return new Readiness.Ready(offset);
            }
            if (stop.getAsBoolean()) {
                return new Readiness.Stopped();
            }
            progress.copied(offset, len);
            if (offset != lastOffset) {
                lastOffset = offset;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                return new Readiness.Failed("the disk mirror made no progress for " + stall.toSeconds() + " s (at "
                        + offset + " of " + len + " bytes)");
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
        finish(ops, List.of(DEVICE), timeout, events);
    }

    /** As {@link #finish(QmpOps, Duration, JobEvents)} for the jobs of {@code devices}: one cancel each, then their events. */
    public static void finish(QmpOps ops, List<String> devices, Duration timeout, JobEvents events)
            throws QmpOps.QmpFailure, InterruptedException {
        events.forgetEarlier();
        List<String> jobs = jobs(devices);
        for (String job : jobs) {
            ObjectNode cancel = JSON.createObjectNode();
            cancel.put("device", job);
            ops.call("block-job-cancel", cancel);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            switch (events.end(jobs)) {
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
            if (events.end(jobs) == null && endedUnseen(ops, jobs, events)) {
                throw new IllegalStateException("the disk mirror job ended without saying how");
            }
        }
    }

    /** Whether one of {@code jobs} has neither an end event nor a place in QEMU's job list. */
    private static boolean endedUnseen(QmpOps ops, List<String> jobs, JobEvents events) throws QmpOps.QmpFailure {
        Map<String, JsonNode> running = jobsById(ops);
        for (String job : jobs) {
            if (!running.containsKey(job) && events.ends.get(job) == null) {
                return true;
            }
        }
        return false;
    }

    /** Source, on roll-back: ends every mirror job and drops their nodes, whatever state they are in. */
    public static void abandon(QmpOps ops) {
        try {
            Map<String, JsonNode> running = jobsById(ops);
            for (String job : running.keySet()) {
                ObjectNode cancel = JSON.createObjectNode();
                cancel.put("device", job).put("force", true);
                ops.call("block-job-cancel", cancel);
            }
            if (!running.isEmpty()) {
                awaitGone(ops, Duration.ofSeconds(10));
            }
        } catch (QmpOps.QmpFailure | RuntimeException e) {
            // the nodes are dropped below either way
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<String> nodes;
        try {
            nodes = jobs(disks(ops));
        } catch (QmpOps.QmpFailure e) {
            nodes = List.of(JOB);
        }
        for (String node : nodes) {
            try {
                deleteNode(ops, node);
            } catch (QmpOps.QmpFailure ignored) {
                // never added, or already gone
            }
        }
    }

    private static void deleteNode(QmpOps ops, String node) throws QmpOps.QmpFailure {
        ObjectNode del = JSON.createObjectNode();
        del.put("node-name", node);
        ops.call("blockdev-del", del);
    }

    /**
     * Waits until QEMU no longer lists the job, a look every {@link #FINISH_POLL} (no events here: a
     * restarted daemon settling, or a roll-back, where the guest runs).
     */
    private static void awaitGone(QmpOps ops, Duration timeout) throws QmpOps.QmpFailure, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!jobsById(ops).isEmpty()) {
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

    /** Source: the mirror jobs' progress, summed, or null when there is no job. */
    public static JobProgress progress(QmpOps ops) throws QmpOps.QmpFailure {
        Map<String, JsonNode> running = jobsById(ops);
        if (running.isEmpty()) {
            return null;
        }
        long done = 0;
        long total = 0;
        for (JsonNode job : running.values()) {
            done += job.path("offset").asLong();
            total += job.path("len").asLong();
        }
        return new JobProgress(done, total);
    }

    /** QEMU's mirror jobs of a migration, by job id. */
    private static Map<String, JsonNode> jobsById(QmpOps ops) throws QmpOps.QmpFailure {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode j : ops.call("query-block-jobs", null)) {
            String id = j.path("device").asText();
            if (isMirrorJob(id)) {
                out.put(id, j);
            }
        }
        return out;
    }
}
