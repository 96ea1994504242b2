package io.vmflex.scheduler.core;

import java.time.Instant;

/**
 * A copy of one VM's books.
 *
 * @param reserved what the scheduler holds for the VM: its use plus any permit not yet applied
 */
public record VmView(String vm, String node, Amount use, Amount reserved, Amount max, Instant createdAt,
                     boolean autoMigration, long lastSeq) {
}
