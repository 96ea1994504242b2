package io.vmflex.cli.timeline;

import java.util.ArrayList;
import java.util.List;

/**
 * What a demo or benchmark run saw, second by second: the guest's load, the VM's resources, the
 * client's throughput, and every scaling decision. Collected by one thread, then rendered by
 * {@link TimelineChart} and {@link TimelineText}.
 *
 * <p>Not thread-safe.
 */
public final class Timeline {

    /**
     * One look at the VM.
     *
     * @param seconds     since the run started
     * @param load1       the guest's 1-minute load average (NaN when unknown)
     * @param cpuBusy     CPU-seconds the VM used per second (NaN when unknown)
     * @param vcpus       vCPUs the VM has (fractional with a CPU quota)
     * @param memoryBytes memory the VM has
     * @param usedBytes   memory the guest uses (NaN when unknown)
     * @param tps         client transactions per second (NaN when no client runs)
     */
    public record Sample(double seconds, double load1, double cpuBusy, double vcpus, double memoryBytes,
                         double usedBytes, double tps) {
    }

    /** A decision or a phase of the run (for example "ScaledUp cpu 0.25 -> 1" or "pgbench starts"). */
    public record Mark(double seconds, String label) {
    }

    private final String title;
    private final List<Sample> samples = new ArrayList<>();
    private final List<Mark> marks = new ArrayList<>();

    public Timeline(String title) {
        this.title = title;
    }

    public void add(Sample sample) {
        samples.add(sample);
    }

    public void mark(double seconds, String label) {
        marks.add(new Mark(seconds, label));
    }

    public String title() {
        return title;
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    public List<Mark> marks() {
        return List.copyOf(marks);
    }
}
