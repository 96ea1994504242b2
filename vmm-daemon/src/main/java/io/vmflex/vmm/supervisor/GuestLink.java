package io.vmflex.vmm.supervisor;

import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.guest.ChannelState;
import io.vmflex.vmm.guest.GuestChannel;
import io.vmflex.vmm.guest.GuestChannelConfig;
import io.vmflex.vmm.guest.GuestChannelListener;
import io.vmflex.vmm.guest.GuestClock;
import io.vmflex.vmm.guest.ReceivedMetrics;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A VM's link to its guest monitor while QEMU runs: opens and closes the {@link GuestChannel},
 * turns the channel's reports into events and into status work queued to the supervisor, and
 * adds the guest's view to {@code status.guest}.
 *
 * <p>Threads: {@link #open}, {@link #close} and {@link #withGuestStatus} on the supervisor's owner
 * thread; {@link #channel} from any thread. The listener runs on the channel's thread and only
 * publishes events and enqueues {@code onGuestChanged} to the owner.
 */
final class GuestLink {
    private final String vm;
    private final Path socket;
    private final EventBus events;
    private final Consumer<Runnable> ownerQueue;
    private final Runnable onGuestChanged;
    private volatile GuestChannel channel;

    /**
     * @param ownerQueue     runs work on the supervisor's owner thread (drops it once the supervisor stopped)
     * @param onGuestChanged owner-thread work after the guest's state or metrics changed
     */
    GuestLink(String vm, Path socket, EventBus events, Consumer<Runnable> ownerQueue, Runnable onGuestChanged) {
        this.vm = vm;
        this.socket = socket;
        this.events = events;
        this.ownerQueue = ownerQueue;
        this.onGuestChanged = onGuestChanged;
    }

    /** Opens the channel; it reconnects by itself for as long as QEMU runs. */
    void open() {
        GuestChannel ch = new GuestChannel(vm, socket, GuestChannelConfig.defaults(), GuestClock.system(),
                new GuestChannelListener() {
                    @Override
                    public void onStateChange(ChannelState s) {
                        onChannelState(s);
                    }

                    @Override
                    public void onMetrics(ReceivedMetrics m) {
                        ownerQueue.accept(onGuestChanged);
                    }

                    @Override
                    public void onUpscaleRequest(GuestMessage.UpscaleRequest r) {
                        events.publish(VmEvent.normal(vm, GuestMessage.UpscaleRequest.EVENT_REASON,
                                "the guest monitor reports memory pressure and asks for more"));
                    }
                });
        ch.start();
        channel = ch;
    }

    /** Closes the channel, if open; safe to call twice. */
    void close() {
        GuestChannel ch = channel;
        if (ch != null) {
            ch.close();
            channel = null;
        }
    }

    /** The channel while QEMU runs, for the admin API; any thread. */
    Optional<GuestChannel> channel() {
        return Optional.ofNullable(channel);
    }

    /** The VM with {@code status.guest} as the channel reports it now (none when closed). */
    VirtualMachine withGuestStatus(VirtualMachine vm) {
        GuestChannel ch = channel;
        return StatusMapper.withGuest(vm, ch == null ? null : ch.state(), ch == null ? null : ch.lastMetrics().orElse(null));
    }

    /** Runs on the channel's thread: report transitions that matter, nothing else. */
    private void onChannelState(ChannelState s) {
        switch (s) {
            case ChannelState.Connected c -> events.publish(VmEvent.normal(vm, "GuestChannelConnected",
                    "guest monitor connected (protocol v" + c.version() + ")"));
            case ChannelState.Quarantined q -> events.publish(VmEvent.warning(vm, "GuestChannelQuarantined",
                    "guest channel dropped until " + q.until() + ": " + q.reason()));
            case ChannelState.Failed f -> events.publish(VmEvent.warning(vm, "GuestChannelFailed", f.reason()));
            default -> {
                // Disconnected/Handshaking/Closed happen on every QEMU or daemon restart: status shows them.
            }
        }
        ownerQueue.accept(onGuestChanged);
    }
}
