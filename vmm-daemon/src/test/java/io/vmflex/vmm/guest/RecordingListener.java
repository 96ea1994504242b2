package io.vmflex.vmm.guest;

import io.vmflex.api.guest.GuestMessage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Keeps what a channel reported (states, upscale requests) and counts metrics. Threadsafe. */
final class RecordingListener implements GuestChannelListener {
    final List<ChannelState> states = new CopyOnWriteArrayList<>();
    final List<GuestMessage.UpscaleRequest> upscales = new CopyOnWriteArrayList<>();
    final AtomicInteger metrics = new AtomicInteger();

    @Override
    public void onStateChange(ChannelState state) {
        states.add(state);
    }

    @Override
    public void onMetrics(ReceivedMetrics m) {
        metrics.incrementAndGet();
    }

    @Override
    public void onUpscaleRequest(GuestMessage.UpscaleRequest request) {
        upscales.add(request);
    }

    long count(Class<? extends ChannelState> type) {
        return states.stream().filter(type::isInstance).count();
    }
}
