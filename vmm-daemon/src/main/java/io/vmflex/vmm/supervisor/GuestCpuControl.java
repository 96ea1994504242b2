package io.vmflex.vmm.supervisor;

import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.guest.GuestChannel;
import io.vmflex.vmm.scaling.GuestCpus;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link GuestCpus} over the guest channel: a SysfsScaling request is a {@code SetCpusOnline} to the
 * guest monitor; its {@code CpusOnline} answer is remembered and a reconcile is asked for at once, so
 * status follows the guest without waiting for the next tick. One request at a time; a request for
 * the same number while one is under way is dropped, a failed or timed-out one is simply asked again
 * by the next reconcile (the guest's answer is idempotent: it reports what is online).
 *
 * <p>Thread-safe: requested from the supervisor's thread, answered on the channel's.
 */
final class GuestCpuControl implements GuestCpus {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

    private final String vm;
    private final Supplier<Optional<GuestChannel>> channel;
    private final EventBus events;
    private final Runnable reconcileSoon;
    private int online = -1;
    /** The number asked and not answered yet, 0 when none. */
    private int inFlight;
    /** Which QEMU an answer belongs to: answers to a request made before {@link #reset} are dropped. */
    private long generation;

    GuestCpuControl(String vm, Supplier<Optional<GuestChannel>> channel, EventBus events, Runnable reconcileSoon) {
        this.vm = vm;
        this.channel = channel;
        this.events = events;
        this.reconcileSoon = reconcileSoon;
    }

    @Override
    public synchronized int online() {
        return online;
    }

    @Override
    public void request(int cpus) {
        long gen;
        synchronized (this) {
            if (inFlight == cpus) {
                return;
            }
            inFlight = cpus;
            gen = generation;
        }
        Optional<GuestChannel> ch = channel.get();
        if (ch.isEmpty()) {
            answered(gen, -1);
            return;
        }
        ch.get().setCpusOnline(cpus, ANSWER_TIMEOUT).whenComplete((now, error) -> {
            if (error != null) {
                answered(gen, -1);
                return;
            }
            int before = answered(gen, now);
            if (before != Integer.MIN_VALUE) {
                if (before != now) {
                    events.publish(VmEvent.normal(vm, "CpusOnlined", "the guest has " + now + " vCPUs online (asked " + cpus + ")"));
                }
                reconcileSoon.run();
            }
        });
    }

    /**
     * Records an answer (-1: none came).
     *
     * @return the count online before it, or MIN_VALUE when the answer belongs to an earlier QEMU or none came
     */
    private synchronized int answered(long gen, int now) {
        if (gen != generation) {
            return Integer.MIN_VALUE;
        }
        inFlight = 0;
        if (now <= 0) {
            return Integer.MIN_VALUE;
        }
        int before = online;
        online = now;
        return before;
    }

    @Override
    public synchronized void reset() {
        generation++;
        online = -1;
        inFlight = 0;
    }
}
