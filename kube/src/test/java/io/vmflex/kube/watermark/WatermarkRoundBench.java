package io.vmflex.kube.watermark;

import io.vmflex.api.vm.VmPhase;
import io.vmflex.kube.placement.ClusterSnapshot;
import io.vmflex.kube.placement.NodeInfo;
import io.vmflex.kube.placement.NodeRequirements;
import io.vmflex.kube.placement.NodeTaint;
import io.vmflex.kube.placement.PlacementRound;
import io.vmflex.kube.placement.VmInfo;
import io.vmflex.kube.placement.VmNodeContract;
import io.vmflex.scheduler.core.Amount;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cost of one watermark round against one placement round over the same cluster, same run (run by
 * kube/bench/watermark-bench.sh; no API server: both rounds are pure functions of the snapshot).
 * {@code nodes} VM nodes of 16 vCPUs / 64 GiB; {@code vms} VMs of 1 or 2 vCPUs with 2 GiB each, every
 * second one auto-migration-enabled; one node in five is above its watermark (15 to 16 vCPUs); a tenth
 * of the VMs are pending (placement's work) and one in a hundred has a migration in flight (the watermark's
 * books). Each round is timed {@code iterations} times after as many warm-up runs; median and p95.
 * Arguments: {@code [vms] [nodes] [iterations]}, default 1000 100 500.
 */
public final class WatermarkRoundBench {

    private static final long GI = 1L << 30;
    private static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");

    public static void main(String[] args) {
        int vms = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int nodes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 500;

        List<NodeInfo> nodeInfos = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            nodeInfos.add(new NodeInfo(String.format("node-%03d", n), Map.of(VmNodeContract.VM_NODE_LABEL, "true"),
                    List.of(new NodeTaint(VmNodeContract.VM_NODE_TAINT, "true", "NoSchedule")), true, false,
                    new Amount(16_000, 64 * GI)));
        }
        List<VmInfo> vmInfos = new ArrayList<>();
        Set<String> auto = new HashSet<>();
        List<MigrationInfo> migrations = new ArrayList<>();
        int perNode = Math.max(1, vms / nodes);
        for (int i = 0; i < vms; i++) {
            int node = i / perNode % nodes;
            boolean pending = i % 10 == 9;
            // nodes divisible by 5 get 2-vCPU VMs: 8 × 2 = 16 > 14.4, above the watermark
            long cpu = node % 5 == 0 ? 2000 : 1000;
            VmInfo vm = new VmInfo("bench", "vm-" + i, "uid-" + i, "1", T0.plusSeconds(i),
                    pending ? null : nodeInfos.get(node).name(), VmNodeContract.SCHEDULER_NAME, false, false,
                    new Amount(250, GI), new Amount(cpu, 2 * GI), new Amount(4000, 8 * GI), NodeRequirements.NONE, null, null,
                    pending ? null : VmPhase.Running);
            vmInfos.add(vm);
            if (i % 2 == 0) {
                auto.add(vm.key());
            }
            if (i % 100 == 3 && !pending) {
                migrations.add(new MigrationInfo("bench", "move-" + i, "m-uid-" + i, "1", vm.key(),
                        nodeInfos.get((node + 1) % nodes).name(), null, vm.boundNode(), null, T0, null, true, false));
            }
        }
        ClusterSnapshot snapshot = new ClusterSnapshot(nodeInfos, Map.of(), vmInfos);
        PlacementRound.Policy policy = new PlacementRound.Policy(false);
        Instant now = T0.plusSeconds(3600);

        int decisions = PlacementRound.plan(snapshot, policy).size();
        WatermarkRound.Result result = WatermarkRound.plan(snapshot, auto, migrations, Map.of(), now, WatermarkSettings.DEFAULT);
        long[] placement = new long[iterations];
        long[] watermark = new long[iterations];
        long sink = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < iterations; k++) {
                long t = System.nanoTime();
                sink += PlacementRound.plan(snapshot, policy).size();
                placement[k] = System.nanoTime() - t;
                t = System.nanoTime();
                sink += WatermarkRound.plan(snapshot, auto, migrations, Map.of(), now, WatermarkSettings.DEFAULT).decisions().size();
                watermark[k] = System.nanoTime() - t;
            }
        }
        System.out.printf("%d VMs (%d pending, %d auto-migration-enabled, %d migrations in flight) on %d nodes; %d iterations%n",
                vms, vms / 10, auto.size(), migrations.size(), nodes, iterations);
        System.out.printf("  placement round: %d decisions; median %.2f ms, p95 %.2f ms%n", decisions, ms(placement, 50),
                ms(placement, 95));
        System.out.printf("  watermark round: %d migrations to create, %d nodes over; median %.2f ms, p95 %.2f ms%n",
                result.decisions().size(), result.plan().over().size(), ms(watermark, 50), ms(watermark, 95));
        System.out.printf("  ratio watermark / placement (median): %.2f%n", ms(watermark, 50) / ms(placement, 50));
        if (sink == 42) {
            System.out.println();
        }
    }

    private static double ms(long[] nanos, int percentile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
    }
}
