package io.vmflex.scheduler.core;

import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;

import java.time.Instant;

/**
 * One VM's books: what it was last seen using, what the scheduler holds for it (its use plus any
 * permit granted and not yet applied; never below its use), its maximum, and the last decision for
 * idempotent retries. Mutable; owned by {@link Accounts}, not thread-safe.
 */
final class VmAccount {
    final String name;
    final NodeAccount node;
    final Instant createdAt;
    final boolean autoMigration;
    long maxCpu;
    long maxMem;
    long useCpu;
    long useMem;
    long reservedCpu;
    long reservedMem;
    /** Seq of the last request decided (or, after a report, of the last answer the agent received). */
    long lastSeq;
    /** The last request decided and its answer; null after admission or a report. */
    PermitRequest lastRequest;
    PermitResponse lastResponse;

    VmAccount(String name, NodeAccount node, Instant createdAt, boolean autoMigration) {
        this.name = name;
        this.node = node;
        this.createdAt = createdAt;
        this.autoMigration = autoMigration;
    }
}
