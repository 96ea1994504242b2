package io.vmflex.vmm.migration.outgoing;

import io.vmflex.vmm.migration.qemu.DiskMirror;

import java.time.Duration;

/**
 * Judges the root disk mirror while QEMU streams RAM. The mirror is write-blocking: each guest write
 * to the root disk completes only when the target has it too, so a link that stalls without an
 * error (a cut cable, a black-holing switch) stops the guest's disk writes, and a database in the VM
 * with them, until the migration gives up. The RAM stream's progress timeout (30 s by default)
 * would be that long; this watch gives up once a write has waited {@link #LIMIT} for the target,
 * and the roll-back, which cuts the disk relay first, lets the guest's writes go on at once.
 *
 * <p>It reads QEMU's job progress: every guest write adds to {@code total} when it starts and to
 * {@code done} when the target acknowledged it, so {@code done} standing still below {@code total}
 * is a write waiting. A pure function of the samples and the times given; tests drive it with
 * made-up clocks.
 *
 * <p>Not thread-safe: one instance per migration, used by the migration's thread.
 */
final class DiskWriteWatch {
    /** How long a guest disk write may wait for the target before the migration is given up. */
    static final Duration LIMIT = Duration.ofSeconds(5);

    private static final ProgressWatch.Verdict KEEP_GOING = new ProgressWatch.Verdict.KeepGoing();

    private final long limitNanos;
    private long lastDone = -1;
    /** Since when {@code done} has stood still with a write outstanding; -1 while nothing waits. */
    private long waitingSinceNanos = -1;

    DiskWriteWatch(Duration limit) {
        this.limitNanos = limit.toNanos();
    }

    ProgressWatch.Verdict observe(long nowNanos, DiskMirror.JobProgress job) {
        long outstanding = job.total() - job.done();
        if (outstanding <= 0 || job.done() != lastDone) {
            lastDone = job.done();
            waitingSinceNanos = outstanding > 0 ? nowNanos : -1;
            return KEEP_GOING;
        }
        if (waitingSinceNanos < 0) {
            waitingSinceNanos = nowNanos;
        }
        long waited = nowNanos - waitingSinceNanos;
        if (waited > limitNanos) {
            return new ProgressWatch.Verdict.GiveUp("DiskStalled", "the disks' writes have waited "
                    + waited / 100_000_000 / 10.0 + " s for the target (" + (outstanding >> 10)
                    + " KiB outstanding): the link to it is stalled");
        }
        return KEEP_GOING;
    }
}
