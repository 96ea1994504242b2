package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.MigrationSource;
import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.migration.qemu.DiskMirror;
import io.vmflex.vmm.qemu.QmpOps;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The source's half of carrying a VM's disks with one migration ({@link DiskMirror}): the relay of the
 * source QEMU's NBD connections (one per disk) to the target's exports, and the mirror jobs in the
 * source QEMU.
 *
 * <p>Not thread-safe: the migration's thread; the relay ends on its own threads.
 */
final class OutgoingDiskMirror implements AutoCloseable {
    private final MigrationSource relay;
    private final List<String> disks;
    private final DiskMirror.JobEvents jobEvents = new DiskMirror.JobEvents();
    private boolean finished;

    private OutgoingDiskMirror(MigrationSource relay, List<String> disks) {
        this.relay = relay;
        this.disks = List.copyOf(disks);
    }

    /**
     * Listens on {@code socket} for QEMU's NBD clients, one per disk of {@code disks}, and relays them
     * to {@code target} as the migration's channels from {@code firstChannel} on (the target sends all
     * of them to its NBD server, which tells the disks apart by export name); {@code onRelayEnd} runs
     * when the relay ends, either way.
     */
    static OutgoingDiskMirror open(Path socket, InetSocketAddress target, UUID migrationId, int firstChannel,
            List<String> disks, ClusterSecret secret, RelayOptions options, Runnable onRelayEnd) throws IOException {
        Files.deleteIfExists(socket);
        MigrationSource relay = MigrationSource.open(socket, target, migrationId, firstChannel, disks.size(), secret,
                options);
        relay.completion().whenComplete((ok, failed) -> onRelayEnd.run());
        return new OutgoingDiskMirror(relay, disks);
    }

    /** Starts the mirror job through the relay and waits until it is in sync (or fails, stalls, is stopped). */
    DiskMirror.Readiness sync(QmpOps ops, long maxBandwidthMbps, Duration stall, BooleanSupplier cancelled,
            DiskMirror.Progress progress) throws QmpOps.QmpFailure, InterruptedException {
        DiskMirror.start(ops, relay.path(), disks, maxBandwidthMbps);
        return DiskMirror.awaitReady(ops, disks, stall, () -> cancelled.getAsBoolean() || relayBroke(), progress);
    }

    /** A QMP event about the mirror job ({@link DiskMirror.JobEvents#concerns}); any thread, does not block. */
    void onJobEvent(String event, JsonNode data) {
        jobEvents.onEvent(event, data);
    }

    /**
     * The relay ended, either way, while the mirror still needed it. An orderly end counts too: a
     * dead target QEMU closes its NBD socket, which reaches the source as end of stream, and the
     * rate-limited job itself would notice only at its next request, seconds later.
     */
    boolean relayBroke() {
        return !finished && relay.completion().isDone();
    }

    /** Why the relay failed, as a suffix for a message; empty if it did not. */
    String relayCause() {
        return MigrationRun.relayCause(relay);
    }

    /** Guest paused at pre-switchover: completes the job; the target holds every write from here. */
    void finish(QmpOps ops, Duration timeout) throws QmpOps.QmpFailure, InterruptedException {
        DiskMirror.finish(ops, disks, timeout, jobEvents);
        finished = true;
    }

    /**
     * Roll-back: the source overlay got every write (the mirror only added copies), so the copy is
     * dropped. The relay is cut first: over a stalled link QEMU's in-flight NBD requests (and, the
     * mirror being write-blocking, the guest's disk writes) would wait for it.
     */
    void abandon(QmpOps ops) {
        relay.close();
        DiskMirror.abandon(ops);
    }

    @Override
    public void close() {
        relay.close();
    }
}
