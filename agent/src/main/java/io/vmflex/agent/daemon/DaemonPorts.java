package io.vmflex.agent.daemon;

import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.runner.MonitorPort;
import io.vmflex.agent.runner.PatchOutcome;
import io.vmflex.agent.runner.VmPatcher;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;

/**
 * The runner's {@link VmPatcher} and {@link MonitorPort}, carried out through {@link DaemonAdmin}
 * on virtual threads so that the runner's thread never waits for the daemon or the guest.
 *
 * <p>Thread-safe.
 */
public final class DaemonPorts implements VmPatcher, MonitorPort {

    private final DaemonAdmin admin;
    private final ExecutorService executor;
    private final SlotSizes slots;

    /** The memory slot size of a VM the agent follows (the observer keeps each VM's last view). */
    @FunctionalInterface
    public interface SlotSizes {
        long of(String vm);
    }

    public DaemonPorts(DaemonAdmin admin, ExecutorService executor, SlotSizes slots) {
        this.admin = admin;
        this.executor = executor;
        this.slots = slots;
    }

    @Override
    public CompletionStage<PatchOutcome> patchUse(String vm, Allocation use, long revision) {
        return CompletableFuture.supplyAsync(() -> admin.patchUse(vm, use, slots.of(vm), revision), executor);
    }

    @Override
    public CompletionStage<Void> notifyUpscale(String vm, Allocation granted) {
        return CompletableFuture.runAsync(() -> admin.notifyUpscale(vm, granted), executor);
    }

    @Override
    public CompletionStage<DownscaleAnswer> requestDownscale(String vm, Allocation target) {
        return CompletableFuture.supplyAsync(() -> admin.requestDownscale(vm, target), executor);
    }
}
