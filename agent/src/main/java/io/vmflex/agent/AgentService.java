package io.vmflex.agent;

import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.LatencySample;
import io.vmflex.agent.core.ScalingConfig;
import io.vmflex.agent.core.ScalingCore;
import io.vmflex.agent.core.ScalingInput;
import io.vmflex.agent.daemon.DaemonAdmin;
import io.vmflex.agent.daemon.DaemonEvents;
import io.vmflex.agent.daemon.DaemonObserver;
import io.vmflex.agent.daemon.DaemonPorts;
import io.vmflex.agent.permit.PermitSchedulerPort;
import io.vmflex.agent.runner.AgentRunner;
import io.vmflex.agent.runner.EventSink;
import io.vmflex.agent.runner.VmPatcher;
import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.api.autoscaling.AutoscalingSource;
import io.vmflex.api.autoscaling.AutoscalingView;
import io.vmflex.api.autoscaling.ComputeUnit;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.PermitService;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.client.AdminClient;
import io.vmflex.client.AdminClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The autoscaler agent of one node, put together: it follows the node daemon through its admin API
 * socket (VMs, guest metrics, upscale requests), runs each autoscaled VM's scaling state machine on
 * one thread ({@link AgentRunner}), asks the scheduler for permits through {@link PermitService},
 * and applies decisions by patching the VM's {@code use} through the same API. It holds no state
 * of its own on disk: a restarted agent re-reads the daemon, reports the node to the scheduler and
 * carries on; its permit sequence starts from its start time so nothing is granted twice.
 *
 * <p>{@link #start()} and {@link #close()} from one thread; the rest runs on the agent's threads.
 */
public final class AgentService implements AutoCloseable, AutoscalingSource {
    private static final Logger LOG = LoggerFactory.getLogger(AgentService.class);

    /**
     * @param socket    the daemon's admin socket
     * @param node      this node's name (the scheduler's name for it)
     * @param scaling   the rules ({@link ScalingConfig#vmflex()} or {@link ScalingConfig#neonRules()})
     * @param nodeUnit  the compute unit of VMs that name none
     */
    public record Config(Path socket, String node, ScalingConfig scaling, ComputeUnit nodeUnit) {
    }

    /**
     * Makes the agent's {@link VmPatcher}. Standalone: the daemon's admin API ({@link DaemonPorts});
     * cluster mode: the VirtualMachine object in the API server, which the node controller applies.
     */
    @FunctionalInterface
    public interface PatcherFactory {
        VmPatcher patcher(DaemonAdmin admin, ExecutorService io, DaemonPorts.SlotSizes slots);
    }

    private final Config config;
    private final PermitService scheduler;
    private final EventSink sink;
    private final InstantSource clock = InstantSource.system();
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
    private final AdminClient client;
    private final DaemonAdmin admin;
    private final AgentRunner runner;
    private final DaemonObserver observer;
    private final DaemonEvents events;
    private final PermitSchedulerPort permits;
    private final LoopFailures failures = new LoopFailures(LOG);
    private final boolean reportInBackground;
    private volatile boolean closed;
    private Thread loop;
    private Thread poller;

    public AgentService(Config config, PermitService scheduler, EventSink sink) {
        this(config, scheduler, sink, null);
    }

    /**
     * @param patcher null: patch through the daemon's admin API. Given (cluster mode), the start-up
     *                report goes out in the background: a scheduler that cannot be reached yet must
     *                not hold up the node, and it asks for the report again when it needs it
     */
    public AgentService(Config config, PermitService scheduler, EventSink sink, PatcherFactory patcher) {
        this.reportInBackground = patcher != null;
        this.config = config;
        this.scheduler = scheduler;
        this.sink = sink;
        this.client = new AdminClient(config.socket(), Duration.ofSeconds(15));
        this.admin = new DaemonAdmin(client);
        this.permits = new PermitSchedulerPort(scheduler, io, clock.instant().toEpochMilli() * 1000);
        // The observer is made after the runner it feeds, and the ports ask the observer for slot sizes.
        DaemonObserver[] observerRef = new DaemonObserver[1];
        DaemonPorts ports = new DaemonPorts(admin, io, vm -> observerRef[0].slotBytes(vm));
        VmPatcher vmPatcher = patcher == null ? ports : patcher.patcher(admin, io, vm -> observerRef[0].slotBytes(vm));
        this.runner = new AgentRunner(new ScalingCore(config.scaling()), permits, vmPatcher, ports, loggingSink(sink), clock);
        this.observer = new DaemonObserver(admin, runner, config.nodeUnit(), clock);
        observerRef[0] = observer;
        this.events = new DaemonEvents(client, vm -> runner.submit(vm, new ScalingInput.MonitorUpscaleRequested()));
    }

    public void start() {
        if (reportInBackground) {
            Thread.ofVirtual().name("agent-report").start(this::reportNode);
        } else {
            reportNode();
        }
        events.start();
        poller = Thread.ofVirtual().name("agent-poll").start(this::pollLoop);
        loop = Thread.ofPlatform().daemon().name("agent-runner").start(this::runLoop);
        LOG.info("autoscaler agent for node {} on {} ({} rules)", config.node(), config.socket(), config.scaling().mode());
    }

    /** Any thread: what the agent thinks of each VM it follows (for the admin API). */
    @Override
    public List<AutoscalingView> list() {
        return runner.views();
    }

    /** Any thread: what the agent thinks of one VM, empty when it does not follow it. */
    @Override
    public Optional<AutoscalingView> get(String vm) {
        return runner.view(vm);
    }

    /** Tells the scheduler every VM of the node, so that a scheduler that knows nothing can grant again. */
    private void reportNode() {
        for (int attempt = 0; !closed; attempt++) {
            try {
                scheduler.report(nodeReport());
                return;
            } catch (RuntimeException e) {
                // AdminClientException, an unknown node, or (cluster mode) the scheduler unreachable
                if (attempt % 10 == 0) {
                    LOG.warn("cannot report node {} to the scheduler yet: {}", config.node(), e.getMessage());
                }
                sleep(500);
            }
        }
    }

    /**
     * Any thread: every VM of the node as the daemon has it, with the permit and seq the agent holds
     * (what a scheduler that asks for the node's report gets).
     *
     * @throws AdminClientException when the daemon cannot be asked
     */
    public NodeReport nodeReport() {
        List<NodeReport.VmReport> vms = new ArrayList<>();
        for (VirtualMachine vm : admin.listVms()) {
            vms.add(report(vm));
        }
        return new NodeReport(PermitCodec.VERSION, config.node(), vms);
    }

    private NodeReport.VmReport report(VirtualMachine vm) {
        Guest g = vm.spec().guest();
        long slot = g.memorySlotSize().bytes();
        PermitSchedulerPort.Held held = permits.held(vm.name());
        boolean autoMigration;
        try {
            autoMigration = AutoscalingSettings.of(vm).autoMigrationEnabled();
        } catch (RuntimeException e) {
            autoMigration = false;
        }
        Instant created = vm.metadata().creationTimestamp() == null ? Instant.EPOCH : vm.metadata().creationTimestamp();
        return new NodeReport.VmReport(vm.name(), new ResourceAmount(g.cpus().use().millis(), slot * g.memorySlots().use()),
                new ResourceAmount(g.cpus().max().millis(), slot * g.memorySlots().max()),
                held == null ? null : held.permit(), held == null ? 0 : held.seq(), created, autoMigration);
    }

    private void pollLoop() {
        long interval = config.scaling().pollIntervalMs();
        while (!closed) {
            long started = System.nanoTime();
            try {
                observer.poll();
            } catch (AdminClientException | java.io.UncheckedIOException e) {
                LOG.debug("poll of {} failed: {}", config.socket(), e.getMessage());
            } catch (RuntimeException e) {
                // A bug in one poll must not end the agent's view of the node for good.
                failures.report("poll", e);
            }
            sleep(Math.max(10, interval - (System.nanoTime() - started) / 1_000_000));
        }
    }

    private void runLoop() {
        while (!closed) {
            try {
                runner.doWork();
            } catch (RuntimeException e) {
                // Without this the thread would die and the node would silently stop scaling.
                failures.report("decision loop", e);
            }
            long wait = runner.nextWakeAtMs() - clock.millis();
            // Inputs arrive on other threads; a short nap bounds how long one waits to be handled.
            sleep(Math.max(1, Math.min(wait, 20)));
        }
    }

    private static EventSink loggingSink(EventSink next) {
        return new EventSink() {
            @Override
            public void decision(Decision d) {
                LOG.info("vm={} {} current={} goal={} target={} {}", d.vm(), d.kind(), d.current(), d.goal(), d.target(),
                        d.detail() == null ? "" : d.detail());
                next.decision(d);
            }

            @Override
            public void latency(LatencySample sample) {
                next.latency(sample);
            }
        };
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        events.close();
        for (Thread t : new Thread[] {poller, loop}) {
            if (t != null) {
                t.interrupt();
                try {
                    t.join(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        client.close();
        io.shutdownNow();
        try {
            io.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
