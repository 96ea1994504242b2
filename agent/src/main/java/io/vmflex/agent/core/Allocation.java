package io.vmflex.agent.core;

/**
 * CPU and memory of a VM as the agent counts them: what it uses, asks for, or may have. Immutable.
 *
 * @param cpuMillis vCPUs in thousandths
 * @param memBytes  memory in bytes
 */
public record Allocation(long cpuMillis, long memBytes) {

    public static Allocation max(Allocation a, Allocation b) {
        return new Allocation(Math.max(a.cpuMillis, b.cpuMillis), Math.max(a.memBytes, b.memBytes));
    }

    public static Allocation min(Allocation a, Allocation b) {
        return new Allocation(Math.min(a.cpuMillis, b.cpuMillis), Math.min(a.memBytes, b.memBytes));
    }

    /** Each dimension held inside {@code [low, high]}. */
    public Allocation clamp(Allocation low, Allocation high) {
        return min(max(this, low), high);
    }

    /** Whether either dimension is above {@code other}'s. */
    public boolean anyAbove(Allocation other) {
        return cpuMillis > other.cpuMillis || memBytes > other.memBytes;
    }

    /** Whether either dimension is below {@code other}'s. */
    public boolean anyBelow(Allocation other) {
        return cpuMillis < other.cpuMillis || memBytes < other.memBytes;
    }

    /** Whether both dimensions are at least {@code other}'s. */
    public boolean covers(Allocation other) {
        return !other.anyAbove(this);
    }

    @Override
    public String toString() {
        return cpuMillis + "m/" + (memBytes / (1024 * 1024)) + "Mi";
    }
}
