package io.vmflex.vmm.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.guest.ChannelStats;
import io.vmflex.vmm.http.StreamStats;
import io.vmflex.vmm.supervisor.VmRegistry;
import io.vmflex.vmm.supervisor.VmSupervisor;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * vmmd's Prometheus metrics: VMs by phase, each VM's vCPUs, memory and host-measured CPU use, node
 * events by reason (resizes, migrations, restarts, guest incidents are all events), the guest
 * channel's counters, and the admin API's open streams. Read from the registry at each scrape, except the event counter, which
 * counts as events are published.
 */
public final class DaemonMetrics {

    private DaemonMetrics() {
    }

    /**
     * @param streams the admin API's open streams
     * @return a handle that stops counting events when closed
     */
    public static AutoCloseable register(PrometheusRegistry registry, VmRegistry vms, EventBus events, StreamStats streams) {
        GaugeWithCallback.builder().name("vmflex_admin_streams").help("Open admin API streams (logs -f, events -w)")
                .callback(cb -> cb.call(streams.openStreams())).register(registry);
        GaugeWithCallback.builder().name("vmflex_admin_stream_buffered_bytes")
                .help("Bytes the admin API's streams hold for clients that have not read them yet")
                .callback(cb -> cb.call(streams.bufferedBytes())).register(registry);
        CounterWithCallback.builder().name("vmflex_admin_streams_dropped_total")
                .help("Admin API streams closed because their client fell too far behind")
                .callback(cb -> cb.call(streams.slowReadersClosed())).register(registry);
        GaugeWithCallback.builder().name("vmflex_vms").help("VMs on this node by phase").labelNames("phase").callback(cb -> {
            Map<VmPhase, Integer> count = new EnumMap<>(VmPhase.class);
            for (VmPhase p : VmPhase.values()) {
                count.put(p, 0);
            }
            for (VirtualMachine vm : vms.list()) {
                if (vm.status() != null && vm.status().phase() != null) {
                    count.merge(vm.status().phase(), 1, Integer::sum);
                }
            }
            count.forEach((phase, n) -> cb.call(n, phase.name()));
        }).register(registry);
        GaugeWithCallback.builder().name("vmflex_vm_cpus").help("vCPUs QEMU has plugged (fractional with a CPU quota)")
                .labelNames("vm").callback(cb -> {
                    for (VirtualMachine vm : vms.list()) {
                        if (vm.status() != null && vm.status().cpus() != null) {
                            cb.call(vm.status().cpus().millis() / 1000.0, vm.name());
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vmflex_vm_memory_bytes").help("Memory QEMU gives the guest (boot + virtio-mem plugged)")
                .labelNames("vm").callback(cb -> {
                    for (VirtualMachine vm : vms.list()) {
                        if (vm.status() != null && vm.status().memorySize() != null) {
                            cb.call(vm.status().memorySize().bytes(), vm.name());
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vmflex_vm_host_cpu_busy")
                .help("CPU-seconds per second the VM used over the last second, by the kernel's accounting")
                .labelNames("vm").callback(cb -> {
                    for (String name : vms.names()) {
                        vms.get(name).flatMap(VmSupervisor::hostCpu).ifPresent(c -> cb.call(c.busyCpus(), name));
                    }
                }).register(registry);
        channelCounter(registry, vms, "vmflex_guest_channel_frames_in_total", "Frames the guest sent", ChannelStats::framesIn);
        channelCounter(registry, vms, "vmflex_guest_channel_protocol_errors_total", "Guest frames refused as malformed",
                ChannelStats::protocolErrors);
        channelCounter(registry, vms, "vmflex_guest_channel_rate_limited_total", "Guest messages dropped by a rate limit",
                ChannelStats::rateLimitedDrops);
        channelCounter(registry, vms, "vmflex_guest_channel_quarantines_total", "Times a guest was quarantined",
                ChannelStats::quarantines);
        Counter byReason = Counter.builder().name("vmflex_events_total")
                .help("Node events by reason: CpuPlugged, MemoryResize, Migrated, MigrationFailed, Restarted, ...")
                .labelNames("reason").register(registry);
        return events.watch(e -> byReason.labelValues(e.reason()).inc());
    }

    /**
     * The migration port's: whether this daemon encrypts its migrations (1) or runs with the opt-out
     * (0), so a fleet's scrape shows every node that sends guest memory in clear; and the connections
     * it closed before reading their hello (not a configured peer, or too many handshakes at once).
     */
    public static void registerMigrationPort(PrometheusRegistry registry, boolean encrypted, LongSupplier refusedConnections) {
        GaugeWithCallback.builder().name("vmflex_migration_encrypted")
                .help("1: migrations from and to this node are encrypted (AES-256-GCM); 0: --migration-encryption off")
                .callback(cb -> cb.call(encrypted ? 1 : 0)).register(registry);
        CounterWithCallback.builder().name("vmflex_migration_connections_refused_total")
                .help("Connections to the migration port closed before their hello: not a configured peer, or too many handshakes")
                .callback(cb -> cb.call(refusedConnections.getAsLong())).register(registry);
    }

    private static void channelCounter(PrometheusRegistry registry, VmRegistry vms, String name, String help,
            ToLongFunction<ChannelStats> value) {
        CounterWithCallback.builder().name(name).help(help).labelNames("vm").callback(cb -> {
            for (String vm : vms.names()) {
                vms.get(vm).flatMap(VmSupervisor::guestChannel).ifPresent(ch -> cb.call(value.applyAsLong(ch.stats()), vm));
            }
        }).register(registry);
    }
}
