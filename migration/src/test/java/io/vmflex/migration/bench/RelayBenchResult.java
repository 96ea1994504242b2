package io.vmflex.migration.bench;

/**
 * One timed transfer of the relay benchmark.
 *
 * @param relayCpuNanos        CPU time of both hops' threads (vmflex relay threads, or the C program's), -1 when
 *                             not measured (plain-copy, socat)
 * @param relayAllocatedBytes  heap bytes those threads allocated inside their loops, -1 for other variants
 */
record RelayBenchResult(String variant, long bytes, long nanos, String extra, long relayCpuNanos, long relayAllocatedBytes) {

    RelayBenchResult(String variant, long bytes, long nanos, String extra) {
        this(variant, bytes, nanos, extra, -1, -1);
    }

    double cpuMsPerGib() {
        return relayCpuNanos < 0 ? -1 : relayCpuNanos / 1e6 / (bytes / (double) (1L << 30));
    }

    double gbit() {
        return bytes * 8.0 / nanos;
    }
}
