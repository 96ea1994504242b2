package io.vmflex.scheduler.core;

import java.time.Instant;

/**
 * A new VM asking for a place on a node, at create/apply time. What it reserves is {@code use}, its
 * size when it boots; {@code max} caps later permits. Immutable.
 *
 * @param autoMigration whether the VM carries {@code autoscaling.neon.tech/auto-migration-enabled: "true"}
 */
public record AdmitRequest(String node, String vm, Amount min, Amount use, Amount max, Instant createdAt,
                           boolean autoMigration) {

    public AdmitRequest {
        if (node == null || vm == null || min == null || use == null || max == null || createdAt == null) {
            throw new IllegalArgumentException("node, vm, min, use, max and createdAt are required");
        }
    }
}
