package io.vmflex.agent.sim;

import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.DecisionKind;
import io.vmflex.agent.core.ScalingConfig;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Benchmarks of the agent on simulated VMs, each against Neon's rules in the same run:
 * <ol>
 *   <li>load step (0 → 1 busy CPU) → permit asked and extra CPU patched, vmflex (fast signal,
 *       metrics every 1 s) vs Neon rules (load average, metrics every 5 s), p50/p95 over runs with
 *       random phases of the metrics push and of the kernel's load-average fold;</li>
 *   <li>load removed → back to the minimum, and resizes during a steady load (oscillation);</li>
 *   <li>agent heap and CPU per 100 VMs with a changing load.</li>
 * </ol>
 * Times of 1 and 2 are simulated (decision delay only: the daemon's hotplug time is not in it).
 * Usage: {@code java -cp ... io.vmflex.agent.sim.AgentBenchmark [runs]}. Single-threaded.
 */
public final class AgentBenchmark {

    static final long GI = 1024L * 1024 * 1024;
    static final long MI = 1024L * 1024;
    static final Allocation UNIT = new Allocation(250, GI);
    static final Allocation MIN = new Allocation(250, GI);
    static final Allocation MAX = new Allocation(4000, 16 * GI);
    static final Allocation BIG_NODE = new Allocation(1_000_000, 4096 * GI);

    private AgentBenchmark() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf(Locale.ROOT, "agent benchmark, %d runs per mode (simulated clock, %d ms ticks)%n", runs,
                AgentSimulation.TICK_MS);
        loadStep(runs);
        backToMinimum(Math.max(5, runs / 2));
        footprint();
    }

    private static AgentSimulation sim(boolean vmflex) {
        return vmflex ? new AgentSimulation(ScalingConfig.vmflex(), BIG_NODE, 1_000_000)
                : new AgentSimulation(ScalingConfig.neonRules(), BIG_NODE, 1_000_000);
    }

    private static void loadStep(int runs) {
        System.out.println();
        System.out.println("1. load step 0 -> 1 CPU: delay to permit request / to extra CPU patched (s)");
        double[][] vmflex = loadStepRuns(true, runs);
        double[][] neon = loadStepRuns(false, runs);
        print("vmflex     ", vmflex);
        print("Neon rules ", neon);
        System.out.printf(Locale.ROOT, "   ratio of p50 (Neon rules / vmflex), extra CPU: %.1fx%n",
                pct(neon[1], 50) / pct(vmflex[1], 50));
    }

    private static double[][] loadStepRuns(boolean vmflex, int runs) {
        Random random = new Random(42);
        double[] decide = new double[runs];
        double[] applied = new double[runs];
        for (int i = 0; i < runs; i++) {
            AgentSimulation sim = sim(vmflex);
            SimulatedGuest guest = sim.addVm("pg", MIN, MIN, MAX, UNIT, GI, random.nextInt(5_000));
            guest.setMemUsedBytes(200 * MI);
            sim.run(30_000 + random.nextInt(5_000));
            long step = sim.clock().millis();
            guest.setDemandCpus(1.0);
            sim.runUntil(() -> guest.allocation().cpuMillis() > MIN.cpuMillis(), 300_000);
            applied[i] = (sim.clock().millis() - step) / 1000.0;
            decide[i] = sim.decisions().stream().filter(d -> d.kind() == DecisionKind.UPSCALE_REQUESTED
                    && d.atMs() >= step).mapToLong(Decision::atMs).min().orElse(Long.MAX_VALUE - step)
                    / 1.0 - step;
            decide[i] /= 1000.0;
        }
        return new double[][] {decide, applied};
    }

    private static void backToMinimum(int runs) {
        System.out.println();
        System.out.println("2. load 1 CPU for 3 min then 0: resizes in the last 2 min of load; time back to minimum (s)");
        for (boolean vmflex : new boolean[] {true, false}) {
            Random random = new Random(7);
            double[] back = new double[runs];
            long ups = 0;
            long downs = 0;
            for (int i = 0; i < runs; i++) {
                AgentSimulation sim = sim(vmflex);
                SimulatedGuest guest = sim.addVm("pg", MIN, MIN, MAX, UNIT, GI, random.nextInt(5_000));
                guest.setMemUsedBytes(200 * MI);
                guest.setDemandCpus(1.0);
                sim.run(60_000);
                long steadyFrom = sim.clock().millis();
                sim.run(120_000);
                ups += sim.decisions().stream().filter(d -> d.atMs() >= steadyFrom
                        && d.kind() == DecisionKind.SCALED_UP).count();
                downs += sim.decisions().stream().filter(d -> d.atMs() >= steadyFrom
                        && d.kind() == DecisionKind.SCALED_DOWN).count();
                guest.setDemandCpus(0);
                long stop = sim.clock().millis();
                sim.runUntil(() -> guest.allocation().equals(MIN), 600_000);
                back[i] = (sim.clock().millis() - stop) / 1000.0;
            }
            System.out.printf(Locale.ROOT, "   %s under steady load %d up / %d down in %d runs; back to min p50 %.1f  "
                    + "p95 %.1f  max %.1f%n", vmflex ? "vmflex    " : "Neon rules", ups, downs, runs, pct(back, 50),
                    pct(back, 95), pct(back, 100));
        }
    }

    private static void footprint() {
        System.out.println();
        System.out.println("3. 100 simulated VMs, load changing every 30-120 s, vmflex mode");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long before = usedHeapAfterGc();
        AgentSimulation sim = sim(true);
        sim.setRecordEvents(false);
        Random random = new Random(1);
        List<SimulatedGuest> guests = new ArrayList<>();
        long[] nextChange = new long[100];
        for (int i = 0; i < 100; i++) {
            SimulatedGuest guest = sim.addVm("vm-" + i, MIN, MIN, MAX, UNIT, GI, random.nextInt(5_000));
            guest.setMemUsedBytes((100 + random.nextInt(2000)) * MI);
            guests.add(guest);
        }
        long simulatedMs = 30 * 60_000;
        long cpu0 = threads.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        for (long t = 0; t < simulatedMs; t += 1_000) {
            for (int i = 0; i < guests.size(); i++) {
                if (t >= nextChange[i]) {
                    guests.get(i).setDemandCpus(random.nextInt(3) == 0 ? 0 : random.nextDouble() * 3);
                    nextChange[i] = t + 30_000 + random.nextInt(90_000);
                }
            }
            sim.run(1_000);
        }
        long cpuNs = threads.getCurrentThreadCpuTime() - cpu0;
        if (sim.runner().size() != 100) {
            throw new IllegalStateException("lost VMs");
        }
        long wallNs = System.nanoTime() - wall0;
        long after = usedHeapAfterGc();
        long retained = after - before;
        long runnerOnly = retainedByStates(sim);
        System.out.printf(Locale.ROOT, "   heap retained by agent + simulated node for 100 VMs: %.1f KiB (%.0f B/VM)%n",
                retained / 1024.0, retained / 100.0);
        System.out.printf(Locale.ROOT, "   of which the runner's per-VM states (measured by dropping them): %.1f KiB "
                + "(%.0f B/VM)%n", runnerOnly / 1024.0, runnerOnly / 100.0);
        System.out.printf(Locale.ROOT, "   CPU for %d simulated minutes: %.0f ms (%.2f ms CPU per simulated second, "
                        + "%.3f %% of one core at real time), wall %.0f ms%n", simulatedMs / 60_000, cpuNs / 1e6,
                cpuNs / 1e6 / (simulatedMs / 1000.0), cpuNs / 1e4 / simulatedMs, wallNs / 1e6);
    }

    /** Heap freed when the runner forgets every VM: what the agent itself keeps per VM. */
    private static long retainedByStates(AgentSimulation sim) {
        long with = usedHeapAfterGc();
        for (int i = 0; i < 100; i++) {
            sim.runner().forget("vm-" + i);
        }
        sim.runner().doWork();
        return with - usedHeapAfterGc();
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static void print(String label, double[][] samples) {
        System.out.printf(Locale.ROOT, "   %s permit asked p50 %.1f p95 %.1f | extra CPU p50 %.1f p95 %.1f max %.1f%n",
                label, pct(samples[0], 50), pct(samples[0], 95), pct(samples[1], 50), pct(samples[1], 95),
                pct(samples[1], 100));
    }

    private static double pct(double[] values, int percentile) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
