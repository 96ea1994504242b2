package io.vmflex.agent.runner;

import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.LatencySample;

/**
 * Where the runner reports: every explained decision (the lead maps them to VM events) and every
 * finished chain's latency (histograms). Called on the runner's thread; must not block.
 */
public interface EventSink {

    void decision(Decision decision);

    void latency(LatencySample sample);

    EventSink NONE = new EventSink() {
        @Override
        public void decision(Decision decision) {
        }

        @Override
        public void latency(LatencySample sample) {
        }
    };
}
