package io.vmflex.vmm.migration.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.vmm.qemu.QmpChannel;
import io.vmflex.vmm.qemu.QmpOps;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiskMirrorTest {
    private static final ObjectMapper JSON = ApiMapper.json();

    /** Answers query-block-jobs from a script (the last answer repeats), anything else with {}; records the calls. */
    private static final class ScriptedQmp implements QmpChannel {
        final List<String> calls = new ArrayList<>();
        final Deque<String> jobs = new ArrayDeque<>();
        String block = "[]";
        /** Runs when block-job-cancel arrives: QEMU's events about the job's end. */
        Runnable onCancel = () -> { };

        @Override
        public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
            calls.add(command + (arguments == null ? "" : " " + arguments));
            if (command.equals("block-job-cancel")) {
                onCancel.run();
            }
            try {
                String answer = switch (command) {
                    case "query-block-jobs" -> jobs.size() > 1 ? jobs.poll() : jobs.peek();
                    case "query-block" -> block;
                    default -> "{}";
                };
                return CompletableFuture.completedFuture(JSON.readTree(answer));
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        QmpOps ops() {
            return new QmpOps(this, Duration.ofSeconds(1));
        }
    }

    private static String job(long offset, long len, boolean ready) {
        return "[{\"device\":\"vmflex-mirror\",\"type\":\"mirror\",\"offset\":" + offset + ",\"len\":" + len
                + ",\"ready\":" + ready + ",\"status\":\"" + (ready ? "ready" : "running") + "\"}]";
    }

    @Test
    void shouldMirrorTheTopLayerWriteBlockingThroughTheGivenSocket() throws Exception {
        ScriptedQmp qmp = new ScriptedQmp();
        DiskMirror.start(qmp.ops(), Path.of("/run/vm/nbd-relay.sock"), 40);
        assertEquals(2, qmp.calls.size(), qmp.calls.toString());
        assertTrue(qmp.calls.get(0).startsWith("blockdev-add ") && qmp.calls.get(0).contains("\"driver\":\"nbd\"")
                && qmp.calls.get(0).contains("/run/vm/nbd-relay.sock"), qmp.calls.get(0));
        JsonNode mirror = JSON.readTree(qmp.calls.get(1).substring("blockdev-mirror ".length()));
        assertEquals("rootdisk", mirror.path("device").asText());
        assertEquals("top", mirror.path("sync").asText(), "only the VM's overlay: the image is on every node");
        assertEquals("write-blocking", mirror.path("copy-mode").asText(), "in sync once ready, so it converges");
        assertEquals(5_000_000, mirror.path("speed").asLong(), "the migration's 40 Mbit/s cap binds the disk copy too");
    }

    @Test
    void shouldWaitWhileTheCopyProgressesAndReportReady() throws Exception {
        ScriptedQmp qmp = new ScriptedQmp();
        qmp.jobs.add(job(0, 3 << 20, false));
        qmp.jobs.add(job(1 << 20, 3 << 20, false));
        qmp.jobs.add(job(2 << 20, 3 << 20, false));
        qmp.jobs.add(job(3 << 20, 3 << 20, true));
        List<Long> seen = new ArrayList<>();
        var r = DiskMirror.awaitReady(qmp.ops(), Duration.ofSeconds(5), () -> false, (copied, total) -> {
            assertEquals(3 << 20, total);
            seen.add(copied);
        });
        assertEquals(3 << 20, assertInstanceOf(DiskMirror.Readiness.Ready.class, r).bytes());
        assertEquals(List.of(0L, 1L << 20, 2L << 20), seen, "each look at the copy before it was ready");
    }

    @Test
    void shouldGiveUpWhenTheCopyStallsAndStopWhenAsked() throws Exception {
        ScriptedQmp stalled = new ScriptedQmp();
        stalled.jobs.add(job(1 << 20, 3 << 20, false));
        var r = DiskMirror.awaitReady(stalled.ops(), Duration.ofMillis(200), () -> false, DiskMirror.Progress.NONE);
        assertTrue(assertInstanceOf(DiskMirror.Readiness.Failed.class, r).message().contains("no progress"), r.toString());

        ScriptedQmp running = new ScriptedQmp();
        running.jobs.add(job(1 << 20, 3 << 20, false));
        assertInstanceOf(DiskMirror.Readiness.Stopped.class, DiskMirror.awaitReady(running.ops(), Duration.ofSeconds(5), () -> true, DiskMirror.Progress.NONE));

        ScriptedQmp gone = new ScriptedQmp();
        gone.jobs.add("[]");
        assertInstanceOf(DiskMirror.Readiness.Failed.class, DiskMirror.awaitReady(gone.ops(), Duration.ofSeconds(5), () -> false, DiskMirror.Progress.NONE));
    }

    private static void event(DiskMirror.JobEvents events, String name, String data) {
        try {
            events.onEvent(name, JSON.readTree(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldCompleteTheMirrorWithoutPivotingOrAskingFirstAndKeepTheNodeForQemu() throws Exception {
        ScriptedQmp qmp = new ScriptedQmp();
        qmp.jobs.add(job(3 << 20, 3 << 20, true));
        DiskMirror.JobEvents events = new DiskMirror.JobEvents();
        qmp.onCancel = () -> event(events, "BLOCK_JOB_COMPLETED", "{\"device\":\"vmflex-mirror\",\"len\":3145728,\"offset\":3145728}");
        DiskMirror.finish(qmp.ops(), Duration.ofSeconds(5), events);
        assertEquals(List.of("block-job-cancel {\"device\":\"vmflex-mirror\"}"), qmp.calls,
                "one command with the guest paused: no look first, no pivot (block-job-complete), the node stays");
    }

    @Test
    void shouldFailWhenTheMirrorWasNotInSyncOrItsLastFlushFailed() {
        ScriptedQmp behind = new ScriptedQmp();
        behind.jobs.add(job(1 << 20, 3 << 20, false));
        DiskMirror.JobEvents events = new DiskMirror.JobEvents();
        behind.onCancel = () -> event(events, "BLOCK_JOB_CANCELLED", "{\"device\":\"vmflex-mirror\"}");
        var e = assertThrows(IllegalStateException.class, () -> DiskMirror.finish(behind.ops(), Duration.ofSeconds(5), events));
        assertTrue(e.getMessage().contains("not in sync"), e.getMessage());

        ScriptedQmp broken = new ScriptedQmp();
        broken.jobs.add(job(3 << 20, 3 << 20, true));
        DiskMirror.JobEvents brokenEvents = new DiskMirror.JobEvents();
        broken.onCancel = () -> event(brokenEvents, "BLOCK_JOB_COMPLETED", "{\"device\":\"vmflex-mirror\",\"error\":\"Input/output error\"}");
        e = assertThrows(IllegalStateException.class, () -> DiskMirror.finish(broken.ops(), Duration.ofSeconds(5), brokenEvents));
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
    }

    @Test
    void shouldFailWhenTheCompletedJobNeverEndsOrEndsUnseen() {
        ScriptedQmp stuck = new ScriptedQmp();
        stuck.jobs.add(job(3 << 20, 3 << 20, true));
        DiskMirror.JobEvents events = new DiskMirror.JobEvents();
        event(events, "BLOCK_JOB_COMPLETED", "{\"device\":\"vmflex-mirror\"}"); // before the cancel: not this end
        var e = assertThrows(IllegalStateException.class, () -> DiskMirror.finish(stuck.ops(), Duration.ofMillis(100), events));
        assertTrue(e.getMessage().contains("did not end"), e.getMessage());

        ScriptedQmp unseen = new ScriptedQmp();
        unseen.jobs.add("[]");
        e = assertThrows(IllegalStateException.class, () -> DiskMirror.finish(unseen.ops(), Duration.ofSeconds(5),
                new DiskMirror.JobEvents()));
        assertTrue(e.getMessage().contains("without saying how"), e.getMessage());
    }

    @Test
    void shouldTakeOnlyTheMirrorJobsEventsAsJobEvents() throws Exception {
        assertTrue(DiskMirror.JobEvents.concerns("BLOCK_JOB_COMPLETED", JSON.readTree("{\"device\":\"vmflex-mirror\",\"type\":\"mirror\"}")));
        assertTrue(DiskMirror.JobEvents.concerns("BLOCK_JOB_CANCELLED", JSON.readTree("{\"device\":\"vmflex-mirror\"}")));
        assertFalse(DiskMirror.JobEvents.concerns("BLOCK_JOB_COMPLETED", JSON.readTree("{\"device\":\"backup-7\"}")));
        assertFalse(DiskMirror.JobEvents.concerns("MIGRATION", JSON.readTree("{\"status\":\"completed\"}")));
    }

    @Test
    void shouldExportTheRootDisksNodeWritableOnTheTarget() throws Exception {
        ScriptedQmp qmp = new ScriptedQmp();
        qmp.block = "[{\"device\":\"rootdisk\",\"inserted\":{\"node-name\":\"#block142\"}}]";
        assertTrue(DiskMirror.hasRootDisk(qmp.ops()));
        DiskMirror.export(qmp.ops(), Path.of("/run/vm/nbd.sock"));
        String add = qmp.calls.getLast();
        assertTrue(add.startsWith("block-export-add ") && add.contains("\"node-name\":\"#block142\"")
                && add.contains("\"writable\":true"), add);

        ScriptedQmp none = new ScriptedQmp();
        assertFalse(DiskMirror.hasRootDisk(none.ops()));
        assertThrows(IllegalStateException.class, () -> DiskMirror.export(none.ops(), Path.of("/run/vm/nbd.sock")));
    }

    @Test
    void shouldCarryTheRootAndEveryWritableDataDiskButNoOther() throws Exception {
        ScriptedQmp qmp = new ScriptedQmp();
        qmp.block = "[{\"device\":\"rootdisk\",\"inserted\":{\"node-name\":\"#block1\",\"ro\":false}},"
                + "{\"device\":\"data-pgdata\",\"inserted\":{\"node-name\":\"#block2\",\"ro\":false}},"
                + "{\"device\":\"data-ro\",\"inserted\":{\"node-name\":\"#block3\",\"ro\":true}},"
                + "{\"device\":\"data-empty\"},"
                + "{\"device\":\"cdrom\",\"inserted\":{\"node-name\":\"#block4\",\"ro\":false}}]";
        assertEquals(List.of("rootdisk", "data-pgdata"), DiskMirror.disks(qmp.ops()));

        qmp.calls.clear();
        DiskMirror.export(qmp.ops(), Path.of("/run/vm/nbd.sock"), List.of("rootdisk", "data-pgdata"));
        assertEquals(List.of("query-block", "nbd-server-start", "block-export-add", "block-export-add"),
                qmp.calls.stream().map(c -> c.split(" ")[0]).toList(), "one server, one export per disk");
        JsonNode data = JSON.readTree(qmp.calls.getLast().substring("block-export-add ".length()));
        assertEquals("data-pgdata", data.path("name").asText(), "the export is named after the drive");
        assertEquals("#block2", data.path("node-name").asText());
        assertTrue(data.path("writable").asBoolean());
        assertThrows(IllegalStateException.class, () -> DiskMirror.export(qmp.ops(), Path.of("/run/vm/nbd.sock"),
                List.of("data-missing")));
    }

    @Test
    void shouldMirrorEachDiskThroughItsOwnConnectionWithAShareOfTheBandwidth() throws Exception {
        ScriptedQmp qmp = new ScriptedQmp();
        DiskMirror.start(qmp.ops(), Path.of("/run/vm/nbd-relay.sock"), List.of("rootdisk", "data-pgdata"), 40);
        assertEquals(4, qmp.calls.size(), qmp.calls.toString());
        JsonNode node = JSON.readTree(qmp.calls.get(2).substring("blockdev-add ".length()));
        assertEquals("vmflex-mirror-data-pgdata", node.path("node-name").asText());
        assertEquals("data-pgdata", node.path("export").asText());
        JsonNode mirror = JSON.readTree(qmp.calls.get(3).substring("blockdev-mirror ".length()));
        assertEquals("data-pgdata", mirror.path("device").asText());
        assertEquals("vmflex-mirror-data-pgdata", mirror.path("job-id").asText());
        assertEquals("write-blocking", mirror.path("copy-mode").asText());
        assertEquals(2_500_000, mirror.path("speed").asLong(), "two jobs share the 40 Mbit/s cap");
    }

    private static String jobs(String... jobs) {
        return "[" + String.join(",", jobs) + "]";
    }

    private static String jobOf(String id, long offset, long len, boolean ready) {
        return "{\"device\":\"" + id + "\",\"type\":\"mirror\",\"offset\":" + offset + ",\"len\":" + len
                + ",\"ready\":" + ready + "}";
    }

    @Test
    void shouldBeReadyOnlyWhenEveryDiskIsAndCountThemTogether() throws Exception {
        List<String> disks = List.of("rootdisk", "data-d");
        ScriptedQmp qmp = new ScriptedQmp();
        qmp.jobs.add(jobs(jobOf("vmflex-mirror", 1, 1, true), jobOf("vmflex-mirror-data-d", 1, 4, false)));
        qmp.jobs.add(jobs(jobOf("vmflex-mirror", 1, 1, true), jobOf("vmflex-mirror-data-d", 4, 4, true)));
        List<Long> seen = new ArrayList<>();
        var r = DiskMirror.awaitReady(qmp.ops(), disks, Duration.ofSeconds(5), () -> false, (copied, total) -> {
            assertEquals(5, total);
            seen.add(copied);
        });
        assertEquals(5, assertInstanceOf(DiskMirror.Readiness.Ready.class, r).bytes());
        assertEquals(List.of(2L), seen);
        assertEquals(new DiskMirror.JobProgress(5, 5), DiskMirror.progress(qmp.ops()));

        ScriptedQmp lost = new ScriptedQmp();
        lost.jobs.add(jobs(jobOf("vmflex-mirror", 1, 1, true)));
        var failed = DiskMirror.awaitReady(lost.ops(), disks, Duration.ofSeconds(5), () -> false, DiskMirror.Progress.NONE);
        assertTrue(assertInstanceOf(DiskMirror.Readiness.Failed.class, failed).message().contains("vmflex-mirror-data-d"),
                failed.toString());
    }

    @Test
    void shouldCompleteEveryDisksMirrorAndFailWhenOneWasNotInSync() throws Exception {
        List<String> disks = List.of("rootdisk", "data-d");
        ScriptedQmp qmp = new ScriptedQmp();
        qmp.jobs.add(jobs(jobOf("vmflex-mirror", 1, 1, true), jobOf("vmflex-mirror-data-d", 4, 4, true)));
        DiskMirror.JobEvents events = new DiskMirror.JobEvents();
        qmp.onCancel = () -> {
            String cancelled = qmp.calls.getLast();
            event(events, "BLOCK_JOB_COMPLETED", cancelled.substring("block-job-cancel ".length()));
        };
        DiskMirror.finish(qmp.ops(), disks, Duration.ofSeconds(5), events);
        assertEquals(List.of("block-job-cancel {\"device\":\"vmflex-mirror\"}",
                "block-job-cancel {\"device\":\"vmflex-mirror-data-d\"}"), qmp.calls);

        ScriptedQmp behind = new ScriptedQmp();
        behind.jobs.add(jobs(jobOf("vmflex-mirror", 1, 1, true), jobOf("vmflex-mirror-data-d", 1, 4, false)));
        DiskMirror.JobEvents behindEvents = new DiskMirror.JobEvents();
        behind.onCancel = () -> {
            String cancelled = behind.calls.getLast();
            event(behindEvents, cancelled.contains("data-d") ? "BLOCK_JOB_CANCELLED" : "BLOCK_JOB_COMPLETED",
                    cancelled.substring("block-job-cancel ".length()));
        };
        var e = assertThrows(IllegalStateException.class, () -> DiskMirror.finish(behind.ops(), disks, Duration.ofSeconds(5), behindEvents));
        assertTrue(e.getMessage().contains("vmflex-mirror-data-d was not in sync"), e.getMessage());
    }

    @Test
    void shouldTakeEveryDisksMirrorEventsAsJobEvents() throws Exception {
        assertTrue(DiskMirror.JobEvents.concerns("BLOCK_JOB_READY", JSON.readTree("{\"device\":\"vmflex-mirror-data-pgdata\"}")));
        assertFalse(DiskMirror.JobEvents.concerns("BLOCK_JOB_READY", JSON.readTree("{\"device\":\"vmflex-mirrored\"}")));
    }
}
