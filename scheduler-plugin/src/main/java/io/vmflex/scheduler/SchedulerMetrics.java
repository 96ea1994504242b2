package io.vmflex.scheduler;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmflex.api.permit.PermitOutcome;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.watermark.MigrationChoice;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The scheduler's Prometheus metrics, read from its books at each scrape: permits by outcome,
 * each node's capacity, reservations and watermark per resource, whether it has reported since the
 * scheduler started, and how many VMs would have to move off nodes above their watermark.
 */
public final class SchedulerMetrics {

    private SchedulerMetrics() {
    }

    public static void register(PrometheusRegistry registry, Scheduler scheduler) {
        CounterWithCallback.builder().name("vmflex_scheduler_permits_total")
                .help("Permit requests decided, by outcome (granted, partial, denied, released, stale)")
                .labelNames("outcome").callback(cb -> {
                    for (Map.Entry<PermitOutcome, Long> e : scheduler.outcomeCounts().entrySet()) {
                        cb.call(e.getValue(), e.getKey().name().toLowerCase(Locale.ROOT));
                    }
                }).register(registry);
        nodeGauge(registry, scheduler, "vmflex_scheduler_node_capacity", "What VMs may reserve: total minus the host reserve",
                NodeView::capacity);
        nodeGauge(registry, scheduler, "vmflex_scheduler_node_reserved", "VMs' use plus permits granted and not yet applied",
                NodeView::reserved);
        nodeGauge(registry, scheduler, "vmflex_scheduler_node_watermark", "Reserved above this moves VMs away",
                NodeView::watermark);
        GaugeWithCallback.builder().name("vmflex_scheduler_node_synced")
                .help("1 once the node reported what it runs since the scheduler started (increases wait for it)")
                .labelNames("node").callback(cb -> {
                    for (NodeView n : scheduler.nodes()) {
                        cb.call(n.synced() ? 1 : 0, n.name());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vmflex_scheduler_migration_candidates")
                .help("VMs that would have to move off nodes above their watermark").labelNames("node").callback(cb -> {
                    for (MigrationChoice c : scheduler.migrationChoices()) {
                        cb.call(c.vms().size(), c.node());
                    }
                }).register(registry);
    }

    private static void nodeGauge(PrometheusRegistry registry, Scheduler scheduler, String name, String help,
            Function<NodeView, Amount> amount) {
        GaugeWithCallback.builder().name(name).help(help + " (cpu in vCPUs, memory in bytes)")
                .labelNames("node", "resource").callback(cb -> {
                    for (NodeView n : scheduler.nodes()) {
                        Amount a = amount.apply(n);
                        cb.call(a.cpuMillis() / 1000.0, n.name(), "cpu");
                        cb.call(a.memBytes(), n.name(), "memory");
                    }
                }).register(registry);
    }
}
