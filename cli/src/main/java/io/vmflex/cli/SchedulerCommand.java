package io.vmflex.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.kube.permit.SchedulerPermits;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmflex.kube.placement.PlacementScheduler;
import io.vmflex.kube.watermark.WatermarkController;
import io.vmflex.kube.watermark.WatermarkMetrics;
import io.vmflex.kube.watermark.WatermarkSettings;
import io.vmflex.scheduler.watermark.WatermarkPolicy;
import io.vmflex.kube.placement.SchedulerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code vmflex scheduler}: places pending VirtualMachines on VM nodes (Kubernetes mode). Run as a
 * Deployment of two replicas; one leads through a Lease, the other waits. The leader also moves VMs
 * off nodes above their watermark (VirtualMachineMigrations) and picks targets for migrations people make. Exits 1 when it stops
 * leading (Kubernetes restarts it as a fresh standby), 0 on SIGTERM (the Lease is released first).
 */
@Command(name = "scheduler", mixinStandardHelpOptions = true,
        description = {"Place pending VirtualMachines (spec.schedulerName autoscale-scheduler) on VM nodes:",
                "Nodes labelled vmflex.io/vm-node=true. One replica leads through a Lease; others stand by."})
final class SchedulerCommand implements Callable<Integer> {

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "kubeconfig to use; default: the pod's service account in a cluster, else $KUBECONFIG or ~/.kube/config")
    Path kubeconfig;

    @Option(names = "--identity", paramLabel = "NAME",
            description = "this replica's name in the Lease; default: $POD_NAME, else the host name and a random suffix")
    String identity;

    @Option(names = "--lease-namespace", paramLabel = "NS",
            description = "namespace of the Lease; default: $POD_NAMESPACE, else " + SchedulerSettings.DEFAULT_NAMESPACE)
    String leaseNamespace;

    @Option(names = "--lease-name", paramLabel = "NAME", defaultValue = SchedulerSettings.DEFAULT_LEASE,
            description = "the Lease the replicas compete for (default: ${DEFAULT-VALUE})")
    String leaseName;

    @Option(names = "--lease-duration", paramLabel = "DURATION", defaultValue = "15s", converter = DurationConverter.class,
            description = "a standby takes over this long after the leader's last renewal (default: ${DEFAULT-VALUE})")
    Duration leaseDuration;

    @Option(names = "--renew-deadline", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "the leader stops leading when it could not renew for this long (default: ${DEFAULT-VALUE})")
    Duration renewDeadline;

    @Option(names = "--retry-period", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
            description = "between Lease attempts (default: ${DEFAULT-VALUE})")
    Duration retryPeriod;

    @Option(names = "--schedule-unnamed",
            description = "also place VirtualMachines that name no spec.schedulerName")
    boolean scheduleUnnamed;

    // --- permit API (issue 18): agents ask this scheduler for permits over HTTPS ---
    @Option(names = "--permit-listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:9443",
            description = "where the permit API listens, HTTPS (default: ${DEFAULT-VALUE})")
    String permitListen;

    @Option(names = "--permit-host", paramLabel = "NAME", split = ",",
            description = "a DNS name or IP address of this scheduler for its permit certificate (repeatable); default: "
                    + "vmflex-scheduler.<namespace>.svc and its short forms, localhost, 127.0.0.1")
    java.util.List<String> permitHosts;

    // --- watermark migrations (issue 18 item 4) ---
    @Option(names = "--watermark", paramLabel = "FRACTION", defaultValue = "0.9",
            description = "a node whose reservations pass this fraction of its capacity sheds VMs labelled "
                    + "autoscaling.neon.tech/auto-migration-enabled=true by live migration (default: ${DEFAULT-VALUE})")
    double watermark;

    @Option(names = "--max-migrations-per-node", paramLabel = "N", defaultValue = "1",
            description = "migrations touching one node at once, as source or target (default: ${DEFAULT-VALUE})")
    int maxMigrationsPerNode;

    @Option(names = "--migration-cooldown", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
            description = "a VM whose last migration ended this recently is not moved again (default: ${DEFAULT-VALUE})")
    Duration migrationCooldown;

    @Option(names = "--watermark-migrations", paramLabel = "on|off", defaultValue = "on",
            description = "create migrations off nodes above their watermark; off still picks targets for "
                    + "migrations people make (default: ${DEFAULT-VALUE})")
    String watermarkMigrations;

    @Option(names = "--watermark-migration-bandwidth", paramLabel = "BYTES",
            description = "spec.maxBandwidth of the migrations it creates, per second, a quantity such as 64Mi; "
                    + "default: none (the node daemon's)")
    String watermarkMigrationBandwidth;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "serve Prometheus metrics (GET /metrics) there; default: off")
    String metricsListen;

    @Override
    public Integer call() throws Exception {
        SchedulerSettings settings;
        try {
            settings = SchedulerSettings.defaults(identity())
                    .withLease(leaseDuration, renewDeadline, retryPeriod)
                    .withScheduleUnnamed(scheduleUnnamed)
                    .withLeaseNamespace(leaseNamespace != null ? leaseNamespace
                            : env("POD_NAMESPACE", SchedulerSettings.DEFAULT_NAMESPACE));
            settings = new SchedulerSettings(settings.identity(), settings.leaseNamespace(), leaseName,
                    settings.leaseDuration(), settings.renewDeadline(), settings.retryPeriod(), settings.scheduleUnnamed(),
                    settings.releaseOnClose(), settings.writeParallelism());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        WatermarkSettings watermarkSettings;
        try {
            if (!watermarkMigrations.equals("on") && !watermarkMigrations.equals("off")) {
                throw new IllegalArgumentException("--watermark-migrations: on or off, got \"" + watermarkMigrations + "\"");
            }
            ByteQuantity bandwidth = null;
            if (watermarkMigrationBandwidth != null) {
                try {
                    bandwidth = ByteQuantity.parse(watermarkMigrationBandwidth);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--watermark-migration-bandwidth: " + e.getMessage());
                }
            }
            watermarkSettings = new WatermarkSettings(watermarkMigrations.equals("on"), watermark,
                    new WatermarkPolicy(maxMigrationsPerNode, migrationCooldown), bandwidth);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage().replace("max migrations per node", "--max-migrations-per-node")
                    .replace("cooldown:", "--migration-cooldown:"));
            return 2;
        }
        KubernetesClient client;
        try {
            client = kubeconfig == null ? new KubernetesClientBuilder().build()
                    : new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
        } catch (IOException e) {
            System.err.println("error: --kubeconfig " + kubeconfig + ": cannot read: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            System.err.println("error: --kubeconfig " + kubeconfig + ": " + e.getMessage());
            return 2;
        }
        java.net.InetSocketAddress listen;
        try {
            listen = DaemonListen.parse(permitListen);
        } catch (IllegalArgumentException e) {
            System.err.println("error: --permit-listen: " + e.getMessage());
            client.close();
            return 2;
        }
        AtomicReference<WatermarkController> watermarkController = new AtomicReference<>();
        MetricsEndpoint metrics = null;
        if (metricsListen != null) {
            PrometheusRegistry registry = new PrometheusRegistry();
            WatermarkMetrics.register(registry, watermarkController::get);
            try {
                metrics = MetricsEndpoint.start(metricsListen, registry);
            } catch (DaemonOptions.UsageException | IOException e) {
                System.err.println("error: " + e.getMessage());
                client.close();
                return 2;
            }
        }
        // the watermark rounds count room granted to agents that their VMs' specs do not show yet
        AtomicReference<SchedulerPermits> permitsRef = new AtomicReference<>();
        java.util.function.Supplier<java.util.List<io.vmflex.scheduler.core.NodeView>> booksNodes = () -> {
            SchedulerPermits p = permitsRef.get();
            var books = p == null ? null : p.books();
            return books == null ? java.util.List.of() : books.scheduler().nodes();
        };
        Runnable permitDecided = () -> {
            WatermarkController c = watermarkController.get();
            if (c != null) {
                c.booksChanged();
            }
        };
        PlacementScheduler scheduler = new PlacementScheduler(client, settings, Clock.systemUTC(),
                List.of(WatermarkController.work(watermarkSettings, settings.identity(), booksNodes, watermarkController::set)));
        SchedulerPermits permits;
        try {
            String ns = settings.leaseNamespace();
            permits = SchedulerPermits.start(client, scheduler, listen, permitHosts != null && !permitHosts.isEmpty()
                    ? permitHosts : java.util.List.of("vmflex-scheduler." + ns + ".svc", "vmflex-scheduler." + ns,
                    "vmflex-scheduler", "localhost", "127.0.0.1"), ns, Clock.systemUTC(), permitDecided);
            permitsRef.set(permits);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("error: --permit-listen " + permitListen + ": " + e.getMessage());
            scheduler.close();
            client.close();
            if (metrics != null) {
                metrics.close();
            }
            return 2;
        }
        AtomicBoolean terminating = new AtomicBoolean();
        MetricsEndpoint served = metrics;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            terminating.set(true);
            permits.close();
            scheduler.close();
            client.close();
            if (served != null) {
                served.close();
            }
        }, "scheduler-shutdown"));
        scheduler.start();
        scheduler.lostLeadership().join();
        if (terminating.get()) {
            return 0;
        }
        System.err.println("vmflex scheduler: " + settings.identity() + " stopped leading; exiting so that it restarts as a standby");
        return 1;
    }

    private String identity() {
        if (identity != null) {
            return identity;
        }
        String pod = System.getenv("POD_NAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "vmflex-scheduler";
        }
        return host + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String env(String name, String otherwise) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? otherwise : v;
    }

    /** {@code HOST:PORT} or {@code :PORT}. */
    static final class DaemonListen {
        static java.net.InetSocketAddress parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("expected HOST:PORT, got \"" + text + "\"");
            }
            String host = text.substring(0, colon);
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected HOST:PORT with a numeric port, got \"" + text + "\"");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
            }
            return host.isEmpty() ? new java.net.InetSocketAddress(port) : new java.net.InetSocketAddress(host, port);
        }
    }

    /** {@code 15s}, {@code 500ms}, {@code 1m}. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String text) {
            var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m)").matcher(text.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("expected a duration such as 15s, 500ms or 1m, got \"" + text + "\"");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
        }
    }
}
