package io.vmflex.agent.runner;

import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.core.PermitRequest;

import java.util.concurrent.CompletionStage;

/**
 * The agent's way to the scheduler: ask for a permit, report a release. The lead adapts it to the
 * scheduler's permit messages (in-process in {@code vmflex up}, HTTP in cluster mode).
 * Implementations may answer on any thread.
 */
public interface SchedulerPort {

    /**
     * Completes with the permit (the most the VM may use now), or exceptionally when the scheduler
     * could not be asked.
     */
    CompletionStage<Allocation> requestPermit(PermitRequest request);

    /** The VM now uses only {@code newUse}; the scheduler may release the rest. */
    CompletionStage<Void> release(String vm, String node, Allocation newUse);
}
