package io.vmflex.kube.watermark;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The watermark migrations' Prometheus metrics, read at each scrape from the controller that runs (none
 * on a standby: every value 0). A replica that stops leading exits, so the counters never go back.
 */
public final class WatermarkMetrics {

    private WatermarkMetrics() {
    }

    public static void register(PrometheusRegistry registry, Supplier<WatermarkController> running) {
        counter(registry, running, "vmflex_scheduler_watermark_migrations_created_total",
                "VirtualMachineMigrations created to move VMs off nodes above their watermark", WatermarkController::created);
        counter(registry, running, "vmflex_scheduler_migration_targets_chosen_total",
                "Targets written (status.targetNode) for migrations made without one", WatermarkController::targetsChosen);
        counter(registry, running, "vmflex_scheduler_migrations_failed_total",
                "Migrations made without a target that no node could take (ended Failed)", WatermarkController::failed);
        GaugeWithCallback.builder().name("vmflex_scheduler_nodes_over_watermark")
                .help("Nodes whose reservations, less the VMs migrating away, are above their watermark (last round)")
                .callback(cb -> cb.call(value(running, WatermarkController::nodesOver))).register(registry);
    }

    private static void counter(PrometheusRegistry registry, Supplier<WatermarkController> running, String name, String help,
                                ToDoubleFunction<WatermarkController> value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value(running, value))).register(registry);
    }

    private static double value(Supplier<WatermarkController> running, ToDoubleFunction<WatermarkController> value) {
        WatermarkController c = running.get();
        return c == null ? 0 : value.applyAsDouble(c);
    }
}
