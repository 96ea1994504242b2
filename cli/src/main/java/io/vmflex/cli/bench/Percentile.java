package io.vmflex.cli.bench;

import java.util.List;
import java.util.OptionalLong;

/** Nearest-rank percentiles of a benchmark's samples: always one of the samples, never interpolated. Stateless. */
final class Percentile {

    private Percentile() {
    }

    /**
     * The smallest sample with at least {@code p} percent of the samples at or below it; empty for no
     * samples. p50 of 10 samples is the 5th smallest, p95 the largest.
     */
    static OptionalLong of(List<Long> samples, int p) {
        if (p < 1 || p > 100) {
            throw new IllegalArgumentException("percentile must be in 1..100, got " + p);
        }
        if (samples.isEmpty()) {
            return OptionalLong.empty();
        }
        List<Long> sorted = samples.stream().sorted().toList();
        // ceil(p * n / 100) in integers: 0.95 * 20 in doubles is not exactly 19.
        int rank = (p * sorted.size() + 99) / 100;
        return OptionalLong.of(sorted.get(rank - 1));
    }
}
