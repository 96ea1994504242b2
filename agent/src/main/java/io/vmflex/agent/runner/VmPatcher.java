package io.vmflex.agent.runner;

import io.vmflex.agent.core.Allocation;

import java.util.concurrent.CompletionStage;

/**
 * Patches a VM's {@code spec.guest.cpus.use} and {@code memorySlots.use} through the daemon's admin
 * API (never QMP), stamping {@code spec.targetRevision} with {@code revision}. Implementations may
 * complete on any thread.
 */
public interface VmPatcher {

    CompletionStage<PatchOutcome> patchUse(String vm, Allocation use, long revision);
}
