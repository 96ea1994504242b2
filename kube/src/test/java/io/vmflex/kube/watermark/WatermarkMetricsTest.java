package io.vmflex.kube.watermark;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WatermarkMetricsTest {

    @Test
    void shouldServeEveryWatermarkMetricAsZeroOnAStandby() {
        PrometheusRegistry registry = new PrometheusRegistry();
        WatermarkMetrics.register(registry, () -> null);
        Set<String> names = new TreeSet<>();
        for (MetricSnapshot s : registry.scrape()) {
            names.add(s.getMetadata().getPrometheusName());
            assertEquals(1, s.getDataPoints().size(), s.getMetadata().getName());
        }
        // counters are named without _total here; the exposition format adds it
        assertEquals(Set.of("vmflex_scheduler_migration_targets_chosen", "vmflex_scheduler_migrations_failed",
                "vmflex_scheduler_nodes_over_watermark", "vmflex_scheduler_watermark_migrations_created"), names);
    }
}
