package io.vmflex.kube.watermark;

import io.vmflex.kube.placement.VmInfo;
import io.vmflex.scheduler.watermark.Move;

/** What one watermark round wants written. */
public sealed interface WatermarkDecision {

    /** Create a VirtualMachineMigration of {@code vm} to {@code move.target()}. */
    record Create(VmInfo vm, Move move) implements WatermarkDecision {
    }

    /** A migration someone made without a target: write {@code status.targetNode}. */
    record AssignTarget(MigrationInfo migration, String node) implements WatermarkDecision {
    }

    /** A migration someone made without a target that nothing can take: phase Failed with {@code message}. */
    record Fail(MigrationInfo migration, String message) implements WatermarkDecision {
    }
}
