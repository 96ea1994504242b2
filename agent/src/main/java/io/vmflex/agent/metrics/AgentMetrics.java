package io.vmflex.agent.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.DecisionText;
import io.vmflex.agent.core.LatencySample;
import io.vmflex.agent.runner.EventSink;

import java.util.Locale;

/**
 * The agent's Prometheus metrics, named as Neon's agent names them where it has one:
 * {@code autoscaling_agent_scaling_latency_seconds{direction}} end to end and
 * {@code autoscaling_agent_scaling_leg_latency_seconds{direction,leg}} per leg (permit, apply,
 * monitor, release), and {@code autoscaling_agent_decisions_total{reason}}. An {@link EventSink}
 * that counts and passes everything on.
 *
 * <p>Thread-safe (the client library's metrics are).
 */
public final class AgentMetrics implements EventSink {
    // From a hot-plug inside a second to a slow guest under TCG.
    private static final double[] BUCKETS = {0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60};

    private final EventSink next;
    private final Counter decisions;
    private final Histogram latency;
    private final Histogram legs;

    public AgentMetrics(PrometheusRegistry registry, EventSink next) {
        this.next = next;
        this.decisions = Counter.builder().name("autoscaling_agent_decisions_total")
                .help("Scaling decisions by kind (ScaledUp, DownscaleDenied, ...)").labelNames("reason").register(registry);
        this.latency = Histogram.builder().name("autoscaling_agent_scaling_latency_seconds")
                .help("From the decision to resize to the resize done, per direction").labelNames("direction")
                .classicOnly().classicUpperBounds(BUCKETS).register(registry);
        this.legs = Histogram.builder().name("autoscaling_agent_scaling_leg_latency_seconds")
                .help("Each leg of a resize: permit (scheduler), apply (daemon), monitor (guest), release (scheduler)")
                .labelNames("direction", "leg").classicOnly().classicUpperBounds(BUCKETS).register(registry);
    }

    @Override
    public void decision(Decision decision) {
        decisions.labelValues(DecisionText.reason(decision.kind())).inc();
        next.decision(decision);
    }

    @Override
    public void latency(LatencySample s) {
        String direction = s.direction().name().toLowerCase(Locale.ROOT);
        latency.labelValues(direction).observe(s.totalMs() / 1000.0);
        leg(direction, "permit", s.permitMs());
        leg(direction, "apply", s.applyMs());
        leg(direction, "monitor", s.monitorMs());
        leg(direction, "release", s.releaseMs());
        next.latency(s);
    }

    private void leg(String direction, String leg, long ms) {
        if (ms >= 0) {
            legs.labelValues(direction, leg).observe(ms / 1000.0);
        }
    }
}
