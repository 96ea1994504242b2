package io.vmflex.agent.sim;

import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.core.GuestMetrics;

/**
 * A guest as its monitor would report it: a CPU demand (busy threads), memory in use, the CPU
 * and memory the VM has, and Linux's 1-minute load average, which the kernel folds in every 5 s
 * ({@code load = load·e + runnable·(1−e)}, {@code e = exp(−5/60)}). The busy fraction is the share
 * of the VM's CPU the demand keeps busy. Not thread-safe.
 */
public final class SimulatedGuest {

    private static final long LOAD_FOLD_MS = 5_000;
    private static final double FOLD = Math.exp(-5.0 / 60.0);

    private final String name;
    private Allocation allocation;
    private double demandCpus;
    private double memUsedBytes;
    private double loadAvg1;
    private long nextFoldMs;

    public SimulatedGuest(String name, Allocation allocation, long nowMs, long foldPhaseMs) {
        this.name = name;
        this.allocation = allocation;
        this.nextFoldMs = nowMs + Math.floorMod(foldPhaseMs, LOAD_FOLD_MS);
    }

    public String name() {
        return name;
    }

    public Allocation allocation() {
        return allocation;
    }

    public void resize(Allocation newAllocation) {
        allocation = newAllocation;
    }

    public void setDemandCpus(double cpus) {
        demandCpus = cpus;
    }

    public double demandCpus() {
        return demandCpus;
    }

    public void setMemUsedBytes(double bytes) {
        memUsedBytes = bytes;
    }

    public double loadAvg1() {
        return loadAvg1;
    }

    /** Moves the guest's own clock: folds the load average at its 5 s ticks. */
    public void advanceTo(long nowMs) {
        while (nextFoldMs <= nowMs) {
            loadAvg1 = loadAvg1 * FOLD + demandCpus * (1 - FOLD);
            nextFoldMs += LOAD_FOLD_MS;
        }
    }

    /** The sample the monitor would send now; {@code withBusy} false for a monitor without the fast signal. */
    public GuestMetrics sample(long nowMs, boolean withBusy) {
        double cpus = allocation.cpuMillis() / 1000.0;
        double busy = withBusy ? Math.min(1.0, demandCpus / cpus) : Double.NaN;
        return new GuestMetrics(loadAvg1, busy, Math.min(memUsedBytes, allocation.memBytes()),
                allocation.memBytes(), nowMs);
    }
}
