package io.vmflex.cli;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmflex.agent.AgentService;
import io.vmflex.agent.core.ScalingConfig;
import io.vmflex.agent.metrics.AgentMetrics;
import io.vmflex.agent.runner.EventSink;
import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.api.autoscaling.ComputeUnit;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.cli.kube.KubeNode;
import io.vmflex.cli.up.DaemonEventSink;
import io.vmflex.cli.systemd.SystemdSupervision;
import io.vmflex.cli.up.SchedulerAdmission;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.scheduler.SchedulerMetrics;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.SchedulerConfig;
import io.vmflex.vmm.Vmmd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code vmflex up}: the embedded default for one machine. The node daemon, the autoscaler agent and
 * the scheduler in one process, with every option {@code vmflex daemon} takes (same socket, same
 * state directory, same vmctl). The agent talks to the daemon through the admin socket as it would
 * from another process; the scheduler is in-process. SIGTERM stops all three and leaves the VMs
 * running; the next {@code vmflex up} re-adopts them, re-reports the node to the fresh scheduler and
 * scaling goes on.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run daemon, autoscaler agent and scheduler for this machine in the foreground (the embedded default).")
final class UpCommand implements Callable<Integer> {
    @Mixin
    DaemonOptions daemon;

    @Option(names = "--scaling-rules", paramLabel = "vmflex|neon", defaultValue = "vmflex",
            description = "vmflex: metrics every second and a fast CPU signal; neon: Neon's rules (load average, 5 s poll). Default ${DEFAULT-VALUE}")
    String rules;

    @Option(names = "--compute-unit", paramLabel = "CPU/MEMORY", defaultValue = "250m/1Gi",
            description = "The node's compute unit for VMs that name none (default ${DEFAULT-VALUE}, Neon's)")
    String computeUnit;

    @Option(names = "--host-reserve", paramLabel = "CPU/MEMORY", defaultValue = "250m/512Mi",
            description = "Kept back from the VMs for the host itself (default ${DEFAULT-VALUE})")
    String hostReserve;

    @Option(names = "--watermark", defaultValue = "0.9",
            description = "Fraction of the node's capacity above which VMs would be moved away (default ${DEFAULT-VALUE})")
    double watermark;

    @Override
    public Integer call() throws Exception {
        ScalingConfig scaling;
        ComputeUnit unit;
        Amount reserve;
        try {
            scaling = switch (rules) {
                case "vmflex" -> ScalingConfig.vmflex();
                case "neon" -> ScalingConfig.neonRules();
                default -> throw new DaemonOptions.UsageException("--scaling-rules must be vmflex or neon, got \"" + rules + "\"");
            };
            Amount u = amount(computeUnit, "--compute-unit");
            unit = new ComputeUnit(new MilliCpu(u.cpuMillis()), ByteQuantity.ofBytes(u.memBytes()));
            reserve = amount(hostReserve, "--host-reserve");
            if (!(watermark > 0 && watermark <= 1)) {
                throw new DaemonOptions.UsageException("--watermark must be in (0, 1], got " + watermark);
            }
        } catch (DaemonOptions.UsageException | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        io.vmflex.cli.kube.ClusterAgent.Options clusterAgent;
        try {
            clusterAgent = daemon.clusterAgent();
        } catch (DaemonOptions.UsageException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        Scheduler scheduler = new Scheduler(new SchedulerConfig(reserve, watermark, SchedulerConfig.NEON_UNIT));
        String node = daemon.node();
        scheduler.addNode(node, new Amount(Runtime.getRuntime().availableProcessors() * 1000L, memTotalBytes()));

        Vmmd vmmd;
        try {
            vmmd = daemon.start(new SchedulerAdmission(scheduler, node));
        } catch (DaemonOptions.UsageException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        } catch (DaemonOptions.StartException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        KubeNode kube;
        try {
            kube = daemon.startKubernetes(vmmd);
        } catch (DaemonOptions.UsageException e) {
            System.err.println("error: " + e.getMessage());
            vmmd.close();
            return 2;
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        vmmd.exportMetrics(registry);
        SchedulerMetrics.register(registry, scheduler);
        // In Kubernetes mode the agent's resizes go through the API server (the node controller applies
        // them) and its permits come from vmflex scheduler; patched into the daemon behind the controller's
        // back they would be undone by the next reconcile.
        AgentService agent;
        try {
            agent = kube == null ? new AgentService(new AgentService.Config(daemon.socket, node, scaling, unit),
                    scheduler, new DaemonEventSink(vmmd.events(), new AgentMetrics(registry, EventSink.NONE)))
                    : clusterAgent == null ? null
                    : io.vmflex.cli.kube.ClusterAgent.create(kube, clusterAgent, new AgentService.Config(daemon.socket, node,
                    scaling, unit), new DaemonEventSink(vmmd.events(), new AgentMetrics(registry, EventSink.NONE)));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            kube.close();
            vmmd.close();
            return 2;
        }
        if (agent != null) {
            vmmd.autoscaling(agent);
        }
        MetricsEndpoint metrics = null;
        if (daemon.metricsListen != null) {
            try {
                metrics = MetricsEndpoint.start(daemon.metricsListen, registry);
            } catch (DaemonOptions.UsageException | IOException e) {
                System.err.println("error: " + e.getMessage());
                if (kube != null) {
                    kube.close();
                }
                vmmd.close();
                return 2;
            }
        }
        MetricsEndpoint served = metrics;
        if (agent != null) {
            agent.start();
            System.err.printf("vmflex up: node %s, VMs labelled %s=\"true\" are autoscaled (%s rules)%s%n", node,
                    AutoscalingSettings.LABEL_ENABLED, rules, clusterAgent == null ? ""
                            : "; permits from " + clusterAgent.url() + ", resizes through the API server");
        } else {
            System.err.printf("vmflex up: node %s in Kubernetes mode: no autoscaling yet (VMs keep the size their"
                    + " VirtualMachine says; resize them with kubectl patch, or give --scheduler-url)%n", node);
        }
        SystemdSupervision systemd = Systemd.supervise(daemon.socket, "vmflex up serving " + daemon.socket + ", node " + node);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            systemd.close();
            if (served != null) {
                served.close();
            }
            if (agent != null) {
                agent.close();
            }
            if (kube != null) {
                kube.close();
            }
            vmmd.close();
            stopped.countDown();
        }, "vmflex-up-shutdown"));
        stopped.await();
        return 0;
    }

    /** {@code 250m/1Gi}, {@code 2/4Gi}. */
    static Amount amount(String text, String option) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new DaemonOptions.UsageException(option + " must be CPU/MEMORY, e.g. 250m/1Gi, got \"" + text + "\"");
        }
        try {
            return new Amount(MilliCpu.parse(text.substring(0, slash)).millis(),
                    ByteQuantity.parse(text.substring(slash + 1)).bytes());
        } catch (RuntimeException e) {
            throw new DaemonOptions.UsageException(option + ": " + e.getMessage());
        }
    }

    private static long memTotalBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no MemTotal in /proc/meminfo");
    }
}
