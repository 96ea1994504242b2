package io.vmflex.vmm.console;

import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns the incidents a guest's console shows into the VM's warning events: {@code GuestOOMKilled}
 * and {@code GuestKernelPanic}, with the kernel's own line. The console is the guest's to write, so
 * at most one event per kind every {@value #MIN_INTERVAL_MS} ms; the ones held back are counted in
 * the next.
 *
 * <p>Thread-safe (called on the VM's console reader thread; synchronized for tests).
 */
public final class IncidentReporter {
    static final long MIN_INTERVAL_MS = 10_000;

    private final String vm;
    private final EventBus events;
    private final Clock clock;
    private final Map<String, Long> lastAt = new HashMap<>();
    private final Map<String, Integer> heldBack = new HashMap<>();

    public IncidentReporter(String vm, EventBus events, Clock clock) {
        this.vm = vm;
        this.events = events;
        this.clock = clock;
    }

    public synchronized void report(GuestIncident incident) {
        String reason = switch (incident) {
            case GuestIncident.OomKill o -> "GuestOOMKilled";
            case GuestIncident.KernelPanic p -> "GuestKernelPanic";
        };
        long now = clock.millis();
        Long last = lastAt.get(reason);
        if (last != null && now - last < MIN_INTERVAL_MS) {
            heldBack.merge(reason, 1, Integer::sum);
            return;
        }
        lastAt.put(reason, now);
        int more = heldBack.getOrDefault(reason, 0);
        heldBack.remove(reason);
        String message = switch (incident) {
            case GuestIncident.OomKill o -> "the guest's kernel killed " + o.process() + " (pid " + o.pid() + ")"
                    + (o.memoryCgroup() ? " at its cgroup's memory limit" : ": the guest ran out of memory");
            case GuestIncident.KernelPanic p -> "the guest's kernel panicked: " + p.reason();
        };
        events.publish(VmEvent.warning(vm, reason, message + (more > 0 ? " (" + more + " more since the last report)" : "")
                + "; console: " + incident.line()));
    }
}
