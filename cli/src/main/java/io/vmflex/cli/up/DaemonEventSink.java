package io.vmflex.cli.up;

import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.DecisionKind;
import io.vmflex.agent.core.DecisionText;
import io.vmflex.agent.core.LatencySample;
import io.vmflex.agent.runner.EventSink;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;

import java.util.EnumSet;
import java.util.Set;

/**
 * The agent's decisions as the node's events, so that {@code vmctl events} and {@code vmctl
 * describe vm} say why each resize happened. The agent asks the scheduler again every few seconds
 * while a node is full; those repeats are left to the agent's log, and only a change of answer
 * becomes an event. Called on the agent's runner thread.
 */
public final class DaemonEventSink implements EventSink {
    private static final Set<DecisionKind> REPEATING = EnumSet.of(DecisionKind.UPSCALE_REQUESTED,
            DecisionKind.UPSCALE_DENIED, DecisionKind.PERMIT_FAILED);

    private final EventBus events;
    private final EventSink next;
    private final java.util.Map<String, String> lastRepeating = new java.util.HashMap<>();

    public DaemonEventSink(EventBus events, EventSink next) {
        this.events = events;
        this.next = next;
    }

    @Override
    public void decision(Decision d) {
        next.decision(d);
        String message = DecisionText.message(d);
        if (REPEATING.contains(d.kind())) {
            String key = d.kind() + " " + d.target() + " " + d.detail();
            if (key.equals(lastRepeating.put(d.vm() + "/" + d.kind(), key))) {
                return;
            }
        } else {
            lastRepeating.keySet().removeIf(k -> k.startsWith(d.vm() + "/"));
        }
        String reason = DecisionText.reason(d.kind());
        events.publish(DecisionText.warning(d.kind()) ? VmEvent.warning(d.vm(), reason, message)
                : VmEvent.normal(d.vm(), reason, message));
    }

    @Override
    public void latency(LatencySample sample) {
        next.latency(sample);
    }
}
