package io.vmflex.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.agent.core.GuestMetrics;
import io.vmflex.agent.core.ScalingInput;
import io.vmflex.agent.core.VmView;
import io.vmflex.agent.runner.AgentRunner;
import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.api.autoscaling.ComputeUnit;
import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.vm.VirtualMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Feeds the runner what the daemon shows, once per {@link #poll()}: every VM labelled
 * {@code autoscaling.neon.tech/enabled: "true"} (its spec and status), its guest monitor's last
 * metrics and whether the monitor is connected; VMs that are gone or no longer enabled are
 * forgotten. The guest's numbers are passed on as they are: the core's sanitiser judges them.
 *
 * <p>Not thread-safe: one poller thread calls {@link #poll()}; {@link #slotBytes} may be read from
 * any thread.
 */
public final class DaemonObserver {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonObserver.class);

    private final DaemonAdmin admin;
    private final AgentRunner runner;
    private final ComputeUnit nodeUnit;
    private final InstantSource clock;
    private final Map<String, Long> slotBytes = new ConcurrentHashMap<>();
    private final Map<String, Boolean> monitorConnected = new HashMap<>();
    private final Map<String, String> lastMetricsStamp = new HashMap<>();
    private final Map<String, String> unreadable = new HashMap<>();

    public DaemonObserver(DaemonAdmin admin, AgentRunner runner, ComputeUnit nodeUnit, InstantSource clock) {
        this.admin = admin;
        this.runner = runner;
        this.nodeUnit = nodeUnit;
        this.clock = clock;
    }

    /** The memory slot size of a followed VM (0 if not followed). */
    public long slotBytes(String vm) {
        return slotBytes.getOrDefault(vm, 0L);
    }

    /** One look at the daemon; returns how many VMs are followed. */
    public int poll() {
        Set<String> seen = new HashSet<>();
        for (VirtualMachine vm : admin.listVms()) {
            String name = vm.name();
            VmView view;
            try {
                if (!AutoscalingSettings.of(vm).enabled()) {
                    continue;
                }
                view = VmView.of(vm, nodeUnit);
            } catch (InvalidSpecException | IllegalArgumentException e) {
                if (!e.getMessage().equals(unreadable.put(name, e.getMessage()))) {
                    LOG.warn("vm={} not autoscaled: {}", name, e.getMessage());
                }
                continue;
            }
            unreadable.remove(name);
            seen.add(name);
            slotBytes.put(name, view.slotBytes());
            runner.observe(view);
            observeGuest(name);
        }
        for (String gone : Set.copyOf(slotBytes.keySet())) {
            if (!seen.contains(gone)) {
                runner.forget(gone);
                slotBytes.remove(gone);
                monitorConnected.remove(gone);
                lastMetricsStamp.remove(gone);
            }
        }
        return seen.size();
    }

    private void observeGuest(String name) {
        Optional<DaemonAdmin.MetricsSnapshot> snapshot = admin.metrics(name);
        boolean connected = snapshot.map(DaemonAdmin.MetricsSnapshot::channelConnected).orElse(false);
        Boolean before = monitorConnected.put(name, connected);
        if (before == null || before != connected) {
            runner.submit(name, new ScalingInput.MonitorConnection(connected));
        }
        if (snapshot.isEmpty() || snapshot.get().metrics() == null || snapshot.get().metrics().isNull()) {
            return;
        }
        JsonNode m = snapshot.get().metrics();
        // A sample is passed on once: the daemon repeats the last one until the guest sends another.
        String stamp = m.path("id").asText("");
        if (stamp.equals(lastMetricsStamp.put(name, stamp))) {
            return;
        }
        runner.submit(name, new ScalingInput.MetricsReceived(metrics(m, snapshot.get().host(), clock.millis())));
    }

    /**
     * The agent's sample from the monitor's Metrics message and the daemon's own measurement of the
     * VM's CPU ({@code host.cpuBusyFraction}: CPU time used over the last second against the VM's
     * allocation, measured on the host, so the guest cannot inflate it).
     */
    static GuestMetrics metrics(JsonNode m, JsonNode host, long nowMs) {
        double total = m.path("memTotalBytes").asDouble(Double.NaN);
        double available = m.path("memAvailableBytes").asDouble(Double.NaN);
        double busy = host == null ? Double.NaN : host.path("cpuBusyFraction").asDouble(Double.NaN);
        // A monitor that predates cpuBusy, or its first report, says -1: not known.
        double guestBusy = m.path("cpuBusy").asDouble(-1);
        return new GuestMetrics(m.path("loadAvg1").asDouble(Double.NaN), busy, total - available, total, nowMs,
                guestBusy < 0 ? Double.NaN : guestBusy);
    }
}
