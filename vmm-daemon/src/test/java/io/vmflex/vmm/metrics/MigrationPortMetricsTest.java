package io.vmflex.vmm.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MigrationPortMetricsTest {

    private static MetricSnapshot find(PrometheusRegistry registry, String name) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void shouldShowTheEncryptionSettingAndCountRefusalsAtEachScrape() {
        AtomicLong refused = new AtomicLong(3);
        PrometheusRegistry registry = new PrometheusRegistry();
        DaemonMetrics.registerMigrationPort(registry, false, refused::get);
        assertEquals(0.0, ((GaugeSnapshot) find(registry, "vmflex_migration_encrypted")).getDataPoints().getFirst().getValue());
        refused.set(503);
        assertEquals(503.0, ((CounterSnapshot) find(registry, "vmflex_migration_connections_refused")).getDataPoints()
                .getFirst().getValue());

        PrometheusRegistry encrypted = new PrometheusRegistry();
        DaemonMetrics.registerMigrationPort(encrypted, true, () -> 0);
        assertEquals(1.0, ((GaugeSnapshot) find(encrypted, "vmflex_migration_encrypted")).getDataPoints().getFirst().getValue());
    }
}
