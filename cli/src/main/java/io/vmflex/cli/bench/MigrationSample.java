package io.vmflex.cli.bench;

/**
 * One measured migration, as QEMU's {@code query-migrate} reported it at completion.
 *
 * @param mode             {@code direct} (QEMU to QEMU over a Unix socket) or {@code relayed} (through two vmmds)
 * @param channels         1 = plain, N &ge; 2 = multifd with N channels
 * @param bandwidthMbps    QEMU's {@code max-bandwidth} for this migration, Mbit/s (the same in both modes)
 * @param totalMs          QEMU's {@code total-time}
 * @param downtimeMs       QEMU's {@code downtime}
 * @param switchoverMs     the guest's whole pause: QEMU's downtime plus the time from the source's completion
 *                         until the target QEMU answered {@code cont} (relayed: the daemons' commit)
 * @param transferredBytes QEMU's {@code ram.transferred}
 * @param wallMs           from asking for the migration until the target ran the VM (includes starting the target QEMU)
 * @param daemonCpuMs      CPU time both vmmd processes used during a relayed migration (relay threads, QMP
 *                         polling, handshake); -1 for direct
 */
record MigrationSample(String mode, int channels, long bandwidthMbps, long totalMs, long downtimeMs, long switchoverMs, long transferredBytes,
                       long wallMs, long daemonCpuMs) {

    /** RAM throughput over QEMU's total time, in Mbit/s (the same formula for both modes). */
    double mbps() {
        return totalMs <= 0 ? 0 : transferredBytes * 8.0 / totalMs / 1000.0;
    }

    /** Daemon CPU seconds per GiB of RAM transferred; NaN for direct. */
    double daemonCpuSecondsPerGiB() {
        return daemonCpuMs < 0 || transferredBytes <= 0 ? Double.NaN : daemonCpuMs / 1000.0 / (transferredBytes / (double) (1L << 30));
    }
}
