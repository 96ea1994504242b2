package io.vmflex.migration;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counters of one {@link Relay}. Each counter has exactly one writer (the relay thread of its
 * direction), which publishes with a release store, so readers on any thread (the daemon serving
 * vmctl) see consistent, monotonic values without a lock and without slowing the relay.
 *
 * <p>CPU time and allocated bytes are sampled by the relay thread itself at the start and end of its
 * loop (two calls per direction, none per chunk); they are zero while the direction still runs.
 */
public final class RelayStats {

    /** One direction's counters; written only by that direction's relay thread. */
    static final class Direction {
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicLong chunks = new AtomicLong();
        private final AtomicLong cpuNanos = new AtomicLong();
        private final AtomicLong allocatedBytes = new AtomicLong();
        private final AtomicLong endNanos = new AtomicLong();

        void add(int n) {
            bytes.setRelease(bytes.getPlain() + n);
            chunks.setRelease(chunks.getPlain() + 1);
        }

        void finish(long cpu, long allocated, long nanoTime) {
            cpuNanos.setRelease(cpu);
            allocatedBytes.setRelease(allocated);
            endNanos.setRelease(nanoTime);
        }

        DirectionStats snapshot() {
            return new DirectionStats(bytes.getAcquire(), chunks.getAcquire(), cpuNanos.getAcquire(),
                    allocatedBytes.getAcquire(), endNanos.getAcquire());
        }
    }

    /**
     * @param bytes           bytes written to the far side so far
     * @param chunks          read/write rounds so far
     * @param cpuNanos        CPU time of this direction's thread (0 until it ended; -1 if unsupported)
     * @param allocatedBytes  heap bytes allocated by this direction's thread inside its loop (same rules)
     * @param endNanos        {@link System#nanoTime()} when the direction ended, 0 while running
     */
    public record DirectionStats(long bytes, long chunks, long cpuNanos, long allocatedBytes, long endNanos) {
        public boolean ended() {
            return endNanos != 0;
        }

        /** For a log line: "12.5 MiB in 80 reads (160 KiB each), CPU 9 ms". */
        public String describe() {
            return String.format(java.util.Locale.ROOT, "%.1f MiB in %d reads (%d KiB each), CPU %d ms", bytes / 1048576.0, chunks,
                    chunks == 0 ? 0 : bytes / chunks / 1024, cpuNanos < 0 ? -1 : cpuNanos / 1_000_000);
        }
    }

    /**
     * @param localToRemote  Unix side (QEMU) to TCP side (peer daemon)
     * @param remoteToLocal  TCP side to Unix side
     * @param startNanos     {@link System#nanoTime()} when the relay started
     * @param endNanos       when both directions had ended, 0 while running
     */
    public record Snapshot(DirectionStats localToRemote, DirectionStats remoteToLocal, long startNanos, long endNanos) {

        public long totalBytes() {
            return localToRemote.bytes() + remoteToLocal.bytes();
        }

        /** Both directions' bytes over the elapsed time (up to now while running), in Gbit/s. */
        public double gbitPerSecond() {
            long end = endNanos != 0 ? endNanos : System.nanoTime();
            long elapsed = Math.max(1, end - startNanos);
            return totalBytes() * 8.0 / elapsed;
        }
    }

    final Direction localToRemote = new Direction();
    final Direction remoteToLocal = new Direction();
    private final long startNanos = System.nanoTime();
    private final AtomicLong endNanos = new AtomicLong();

    void end() {
        endNanos.compareAndSet(0, System.nanoTime());
    }

    public Snapshot snapshot() {
        return new Snapshot(localToRemote.snapshot(), remoteToLocal.snapshot(), startNanos, endNanos.get());
    }
}
