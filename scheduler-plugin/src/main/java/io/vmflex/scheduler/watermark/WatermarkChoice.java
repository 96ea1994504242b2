package io.vmflex.scheduler.watermark;

import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.core.VmView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The watermark rule, as Neon's plugin has it (facts, not code): when a node's reserved passes its
 * watermark on CPU or on memory, its oldest VMs that allow it (label
 * {@code autoscaling.neon.tech/auto-migration-enabled: "true"}) are chosen to move, one by one,
 * until what remains is at or below the watermark on both. Ties in age go by name, so the choice
 * is deterministic.
 *
 * <p>A pure function; stateless and thread-safe.
 */
public final class WatermarkChoice {

    /** The label a VM carries to allow the scheduler to move it. */
    public static final String AUTO_MIGRATION_LABEL = "autoscaling.neon.tech/auto-migration-enabled";

    /** Oldest first, ties by name: the order VMs are chosen to move in. */
    static final Comparator<VmView> OLDEST_FIRST =
            Comparator.comparing(VmView::createdAt).thenComparing(VmView::vm);

    private WatermarkChoice() {
    }

    /** The VMs to move off {@code node}, or empty when it is at or below its watermark. */
    public static Optional<MigrationChoice> choose(NodeView node) {
        Amount reserved = node.reserved();
        Amount watermark = node.watermark();
        if (reserved.fitsIn(watermark)) {
            return Optional.empty();
        }
        List<VmView> candidates = new ArrayList<>();
        for (VmView vm : node.vms()) {
            if (vm.autoMigration()) {
                candidates.add(vm);
            }
        }
        candidates.sort(OLDEST_FIRST);
        long cpu = reserved.cpuMillis();
        long mem = reserved.memBytes();
        List<String> chosen = new ArrayList<>();
        for (VmView vm : candidates) {
            if (cpu <= watermark.cpuMillis() && mem <= watermark.memBytes()) {
                break;
            }
            chosen.add(vm.vm());
            cpu -= vm.reserved().cpuMillis();
            mem -= vm.reserved().memBytes();
        }
        boolean enough = cpu <= watermark.cpuMillis() && mem <= watermark.memBytes();
        return Optional.of(new MigrationChoice(node.name(), reserved, watermark, chosen,
                new Amount(Math.max(0, cpu), Math.max(0, mem)), enough));
    }

    /** The choice for every node above its watermark, in the order given. */
    public static List<MigrationChoice> chooseAll(List<NodeView> nodes) {
        List<MigrationChoice> all = new ArrayList<>();
        for (NodeView node : nodes) {
            choose(node).ifPresent(all::add);
        }
        return all;
    }
}
