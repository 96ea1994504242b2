package io.vmflex.agent.runner;

import io.vmflex.agent.core.Allocation;

import java.util.concurrent.CompletionStage;

/**
 * The guest monitor, reached through the daemon: UpscaleNotification and DownscaleRequest.
 * Implementations may complete on any thread; a channel error completes exceptionally.
 */
public interface MonitorPort {

    CompletionStage<Void> notifyUpscale(String vm, Allocation granted);

    CompletionStage<DownscaleAnswer> requestDownscale(String vm, Allocation target);

    /** The monitor's DownscaleResult. */
    record DownscaleAnswer(boolean approved, String status) {
    }
}
