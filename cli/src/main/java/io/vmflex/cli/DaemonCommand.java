package io.vmflex.cli;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmflex.cli.kube.KubeNode;
import io.vmflex.cli.systemd.SystemdSupervision;
import io.vmflex.vmm.Vmmd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code vmflex daemon}: runs vmmd in the foreground until SIGTERM/SIGINT, which stop the daemon
 * and leave the VMs running (the next daemon re-adopts them). Logs go to stdout for journald.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = "Run the node daemon (vmmd) in the foreground. SIGTERM stops the daemon, not the VMs.")
final class DaemonCommand implements Callable<Integer> {
    @Mixin
    DaemonOptions daemon;

    // as vmflex up's: the cluster agent's unit for VMs that name none (the unit travels in its permit requests)
    @picocli.CommandLine.Option(names = "--compute-unit", paramLabel = "CPU/MEMORY", defaultValue = "250m/1Gi",
            description = "Kubernetes mode with --scheduler-url: the agent's compute unit for VMs that name none"
                    + " (default ${DEFAULT-VALUE}, Neon's)")
    String computeUnit;

    @Override
    public Integer call() throws Exception {
        io.vmflex.cli.kube.ClusterAgent.Options clusterAgent;
        io.vmflex.api.autoscaling.ComputeUnit unit;
        try {
            io.vmflex.scheduler.core.Amount u = UpCommand.amount(computeUnit, "--compute-unit");
            unit = new io.vmflex.api.autoscaling.ComputeUnit(new io.vmflex.api.vm.MilliCpu(u.cpuMillis()),
                    io.vmflex.api.vm.ByteQuantity.ofBytes(u.memBytes()));
        } catch (DaemonOptions.UsageException | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        try {
            clusterAgent = daemon.clusterAgent();
        } catch (DaemonOptions.UsageException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        Vmmd vmmd;
        try {
            vmmd = daemon.start();
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
        // Kubernetes mode with a scheduler: the node's autoscaler agent, permits over HTTPS, resizes through the API
        io.vmflex.agent.AgentService agent = null;
        if (kube != null && clusterAgent != null) {
            try {
                agent = io.vmflex.cli.kube.ClusterAgent.create(kube, clusterAgent, new io.vmflex.agent.AgentService.Config(
                        daemon.socket, vmmd.config().nodeName(), io.vmflex.agent.core.ScalingConfig.vmflex(),
                        unit), new io.vmflex.cli.up.DaemonEventSink(vmmd.events(),
                        new io.vmflex.agent.metrics.AgentMetrics(registry, io.vmflex.agent.runner.EventSink.NONE)));
            } catch (IllegalArgumentException e) {
                System.err.println("error: " + e.getMessage());
                kube.close();
                vmmd.close();
                return 2;
            }
            vmmd.autoscaling(agent);
            agent.start();
            System.err.printf("vmflex daemon: autoscaler agent on: permits from %s, resizes through the API server%n",
                    clusterAgent.url());
        }
        io.vmflex.agent.AgentService runningAgent = agent;
        MetricsEndpoint metrics = null;
        if (daemon.metricsListen != null) {
            vmmd.exportMetrics(registry);
            try {
                metrics = MetricsEndpoint.start(daemon.metricsListen, registry);
            } catch (DaemonOptions.UsageException | java.io.IOException e) {
                System.err.println("error: " + e.getMessage());
                if (kube != null) {
                    kube.close();
                }
                vmmd.close();
                return 2;
            }
        }
        MetricsEndpoint served = metrics;
        SystemdSupervision systemd = Systemd.supervise(daemon.socket, "vmmd serving " + daemon.socket);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            systemd.close();
            if (served != null) {
                served.close();
            }
            if (runningAgent != null) {
                runningAgent.close();
            }
            if (kube != null) {
                kube.close();
            }
            vmmd.close();
            stopped.countDown();
        }, "vmmd-shutdown"));
        stopped.await();
        return 0;
    }
}
