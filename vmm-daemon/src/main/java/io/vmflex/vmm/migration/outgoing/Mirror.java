package io.vmflex.vmm.migration.outgoing;

import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.vmm.migration.qemu.DiskMirror;
import io.vmflex.vmm.migration.qemu.MigrationTuning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;

import static io.vmflex.vmm.migration.outgoing.MigrationRun.failed;
import static io.vmflex.vmm.migration.outgoing.MigrationRun.message;

/**
 * For a VM with writable disks (the root disk's overlay, data disks): relays the source QEMU's NBD
 * clients, one per disk, to the target's exports and mirrors each disk into its copy
 * ({@link DiskMirror}) until every guest write reaches both sides.
 *
 * @param disks the QEMU drive ids to carry ({@link DiskMirror#disks})
 */
record Mirror(List<String> disks) implements Step {
    private static final Logger LOG = LoggerFactory.getLogger(Mirror.class);

    Step next(MigrationRun run) {
        run.update(run.status().withPhase(MigrationPhase.Migrating, "copying the disks' writes to the target"));
        try {
            OutgoingDiskMirror mirror = OutgoingDiskMirror.open(run.vm.paths().dir().resolve("nbd-relay.sock"),
                    run.request.target(), run.request.id(), MigrationTuning.connections(run.request.multifdChannels()),
                    disks, run.secret, run.relayOptions, run.signals::wakeUp);
            run.diskMirror(mirror);
            return switch (mirror.sync(run.vm.ops(), run.request.maxBandwidthMbps(), run.request.timeouts().progress(),
                    run.signals::cancelRequested, new CopyProgress(run))) {
                case DiskMirror.Readiness.Ready r -> {
                    LOG.info("vm={} migration {}: disks {} in sync with the target ({} bytes copied)", run.vm.name(),
                            run.request.id(), disks, r.bytes());
                    // Mirror -- the target's disk has the overlay's data and gets every write --> Stream
                    yield new Stream(true);
                }
                // Mirror -- mirror failed or stalled --> RollBack
                case DiskMirror.Readiness.Failed f -> failed("DiskMirrorFailed", f.message() + mirror.relayCause(), true);
                // Mirror -- cancel, or the disk relay broke --> RollBack
                case DiskMirror.Readiness.Stopped x -> run.signals.cancelRequested() ? run.cancelled(true)
                        : failed("RelayFailed", "the disk relay to the target broke" + mirror.relayCause(), true);
            };
        } catch (InterruptedException e) {
            return MigrationRun.interrupted();
        } catch (Exception e) {
            return failed("DiskMirrorFailed", message(e), true);
        }
    }

    /** Shows the disk copy in the status message, at most twice a second (QEMU is asked every 20 ms). */
    private static final class CopyProgress implements DiskMirror.Progress {
        private static final long EVERY_NANOS = 500_000_000L;
        private final MigrationRun run;
        private long shownAt = System.nanoTime();

        CopyProgress(MigrationRun run) {
            this.run = run;
        }

        @Override
        public void copied(long bytes, long totalBytes) {
            long now = System.nanoTime();
            if (now - shownAt >= EVERY_NANOS) {
                shownAt = now;
                run.update(run.status().withPhase(MigrationPhase.Migrating, String.format(Locale.ROOT,
                        "copying the disks' writes to the target: %.1f of %.1f MiB", bytes / 1048576.0,
                        totalBytes / 1048576.0)));
            }
        }
    }
}
