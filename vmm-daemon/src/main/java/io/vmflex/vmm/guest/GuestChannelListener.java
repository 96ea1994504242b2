package io.vmflex.vmm.guest;

import io.vmflex.api.guest.GuestMessage;

/**
 * What a {@link GuestChannel} reports. Methods are called on the channel's own virtual thread, one
 * at a time and in order (only the final {@link ChannelState.Closed} comes from the thread calling
 * {@link GuestChannel#close()}); they must return quickly (hand work to the supervisor's queue).
 * An exception thrown by a method is logged and otherwise ignored.
 */
public interface GuestChannelListener {

    /** The channel changed state (Quarantined and Failed are the ones worth an event). */
    default void onStateChange(ChannelState state) {
    }

    /** A sane Metrics message arrived (at most the configured rate per second). */
    default void onMetrics(ReceivedMetrics metrics) {
    }

    /** The guest asked to grow (rate limited). */
    default void onUpscaleRequest(GuestMessage.UpscaleRequest request) {
    }

    GuestChannelListener NONE = new GuestChannelListener() {
    };
}
