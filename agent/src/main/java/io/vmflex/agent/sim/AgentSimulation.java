package io.vmflex.agent.sim;

import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.LatencySample;
import io.vmflex.agent.core.ScalingConfig;
import io.vmflex.agent.core.ScalingCore;
import io.vmflex.agent.core.ScalingInput;
import io.vmflex.agent.core.ScalingMode;
import io.vmflex.agent.core.VmView;
import io.vmflex.agent.runner.AgentRunner;
import io.vmflex.agent.runner.EventSink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real {@link AgentRunner} and {@link ScalingCore} against simulated guests on one in-memory
 * node, stepped in ticks of a simulated clock. Monitors push metrics every
 * {@link ScalingConfig#metricsIntervalMs()} (1 s for vmflex, 5 s to model Neon's poll), each VM at
 * its own phase.
 * Not thread-safe.
 */
public final class AgentSimulation {

    public static final long TICK_MS = 100;
    private static final String NODE = "node-a";

    private final ScalingConfig config;
    private final long metricsIntervalMs;
    private final SimClock clock;
    private final SimulatedNode node;
    private final AgentRunner runner;
    private final Map<String, SimVm> vms = new LinkedHashMap<>();
    private final List<Decision> decisions = new ArrayList<>();
    private final List<LatencySample> latencies = new ArrayList<>();
    private boolean recordEvents = true;

    private static final class SimVm {
        final SimulatedGuest guest;
        final VmView template;
        long nextMetricsMs;
        boolean metricsFlowing = true;
        String nodeName = NODE;

        SimVm(SimulatedGuest guest, VmView template, long nextMetricsMs) {
            this.guest = guest;
            this.template = template;
            this.nextMetricsMs = nextMetricsMs;
        }
    }

    public AgentSimulation(ScalingConfig config, Allocation capacity, long startMs) {
        this.config = config;
        this.metricsIntervalMs = config.metricsIntervalMs();
        this.clock = new SimClock(startMs);
        this.node = new SimulatedNode(capacity);
        EventSink sink = new EventSink() {
            @Override
            public void decision(Decision decision) {
                if (recordEvents) {
                    decisions.add(decision);
                }
            }

            @Override
            public void latency(LatencySample sample) {
                if (recordEvents) {
                    latencies.add(sample);
                }
            }
        };
        this.runner = new AgentRunner(new ScalingCore(config), node, node, node, sink, clock);
    }

    /** Adds a VM using {@code use}, movable in {@code [min, max]} in steps of {@code unit}; its monitor connected. */
    public SimulatedGuest addVm(String name, Allocation use, Allocation min, Allocation max, Allocation unit,
                                long slotBytes, long phaseMs) {
        SimulatedGuest guest = new SimulatedGuest(name, use, clock.millis(), phaseMs);
        VmView view = new VmView(name, null, NODE, use, use, false, min, max, unit, slotBytes, 0);
        vms.put(name, new SimVm(guest, view, clock.millis() + Math.floorMod(phaseMs, metricsIntervalMs)));
        node.add(guest);
        runner.observe(view);
        runner.submit(name, new ScalingInput.MonitorConnection(true));
        return guest;
    }

    public SimulatedGuest guest(String name) {
        return vms.get(name).guest;
    }

    /** Runs the simulation for this long. */
    public void run(long durationMs) {
        long end = clock.millis() + durationMs;
        while (clock.millis() < end) {
            tick();
        }
    }

    /** Runs until {@code done} holds or {@code maxMs} passed; returns whether it held. */
    public boolean runUntil(java.util.function.BooleanSupplier done, long maxMs) {
        long end = clock.millis() + maxMs;
        while (clock.millis() < end) {
            tick();
            if (done.getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    private void tick() {
        clock.advance(TICK_MS);
        long now = clock.millis();
        for (SimVm vm : vms.values()) {
            vm.guest.advanceTo(now);
            if (now >= vm.nextMetricsMs) {
                vm.nextMetricsMs += metricsIntervalMs;
                if (vm.metricsFlowing) {
                    runner.submit(vm.guest.name(), new ScalingInput.MetricsReceived(
                            vm.guest.sample(now, config.mode() == ScalingMode.VMFLEX)));
                }
            }
        }
        // Answers of the in-memory ports are enqueued during a round; a few rounds settle them.
        for (int i = 0; i < 8 && runner.doWork() > 0; i++) {
            // keep going
        }
    }

    /** The guest's monitor asks for memory now. */
    public void monitorUpscaleRequest(String name) {
        runner.submit(name, new ScalingInput.MonitorUpscaleRequested());
    }

    /** Stops or restarts a VM's metrics (a monitor that went silent). */
    public void setMetricsFlowing(String name, boolean flowing) {
        vms.get(name).metricsFlowing = flowing;
    }

    /** Starts or ends a migration; when it ends the VM is on {@code landedOn}. */
    public void setMigrating(String name, boolean moving, String landedOn) {
        SimVm vm = vms.get(name);
        node.setMigrating(name, moving);
        if (landedOn != null) {
            vm.nodeName = landedOn;
        }
        Allocation now = vm.guest.allocation();
        VmView t = vm.template;
        runner.observe(new VmView(name, null, vm.nodeName, now, now, moving, t.boundsMin(), t.boundsMax(), t.unit(),
                t.slotBytes(), node.revision(name)));
    }

    /** Whether decisions, latencies and the node's calls are kept (benchmarks turn it off). */
    public void setRecordEvents(boolean record) {
        recordEvents = record;
        node.setRecordCalls(record);
    }

    public SimClock clock() {
        return clock;
    }

    public SimulatedNode node() {
        return node;
    }

    public AgentRunner runner() {
        return runner;
    }

    public List<Decision> decisions() {
        return decisions;
    }

    public List<LatencySample> latencies() {
        return latencies;
    }

    public Map<String, Allocation> allocations() {
        Map<String, Allocation> out = new HashMap<>();
        vms.forEach((name, vm) -> out.put(name, vm.guest.allocation()));
        return out;
    }
}
