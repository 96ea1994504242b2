package io.vmflex.kube.placement;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.kube.testing.KubeApiServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Binding throughput and steady-state API requests of {@code vmflex scheduler} on a real API server
 * (run by kube/bench/placement-bench.sh):
 * <ol>
 *   <li>{@code nodes} VM nodes (16 CPU, 64 GiB, one DaemonSet-like pod each) and {@code vms} pending
 *       VirtualMachines (1 CPU, 2 GiB) exist before the scheduler starts;</li>
 *   <li>baseline, same run: the very writes a binding makes (label patch at a resourceVersion, status
 *       patch, Event) for as many other VMs, sent straight from a client with the same parallelism and
 *       no scheduling: what the API server alone allows;</li>
 *   <li>the scheduler starts (as its service account), leads, lists, binds all; time to the last
 *       binding seen with its {@code status.node};</li>
 *   <li>steady state for {@code seconds}: the node daemons' status writes are imitated ({@code churn}
 *       status patches per second that the scheduler must see and ignore); every request the
 *       scheduler's client sends is counted through its interceptor.</li>
 * </ol>
 * Arguments: {@code [vms] [nodes] [seconds] [churn]}, default 1000 100 60 10.
 */
public final class PlacementBench {

    private static final int PARALLEL = 16;

    public static void main(String[] args) throws Exception {
        int vms = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int nodes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        int churn = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        try (KubeApiServer kube = KubeApiServer.start()) {
            run(kube, vms, nodes, seconds, churn);
        }
        System.exit(0);
    }

    private static void run(KubeApiServer kube, int vms, int nodes, int seconds, int churn) throws Exception {
        SchedulerTestCluster cluster = new SchedulerTestCluster(kube);
        cluster.install();
        String run = "bench";
        String ns = "bench";
        String baselineNs = "bench-baseline";
        cluster.namespace(ns);
        cluster.namespace(baselineNs);
        KubernetesClient admin = cluster.admin;

        long t = System.nanoTime();
        parallel(nodes, i -> {
            String name = String.format("vm-node-%03d", i);
            cluster.node(run, name, "16", "64Gi", Map.of());
            cluster.pod(ns, "daemon-" + name, name, "500m", "1Gi");
        });
        System.out.printf("setup: %d nodes with a pod each in %.1f s%n", nodes, secondsSince(t));

        // baseline: a binding's writes without the scheduler (VMs with another scheduler name)
        t = System.nanoTime();
        Map<String, String> versions = new java.util.concurrent.ConcurrentHashMap<>();
        parallel(vms, i -> versions.put("base-" + i, create(admin, baselineNs, "base-" + i, run, "someone-else")));
        double createSeconds = secondsSince(t);
        System.out.printf("create: %d VirtualMachines in %.1f s (%.0f/s)%n", vms, createSeconds, vms / createSeconds);
        t = System.nanoTime();
        parallel(vms, i -> rawBinding(admin, baselineNs, "base-" + i, versions.get("base-" + i), String.format("vm-node-%03d", i % nodes)));
        double baselineSeconds = secondsSince(t);
        admin.resources(NeonVm.class).inNamespace(baselineNs).delete();

        parallel(vms, i -> create(admin, ns, "vm-" + i, run, VmNodeContract.SCHEDULER_NAME));

        RequestCounter counter = new RequestCounter();
        Path kubeconfig = cluster.schedulerKubeconfig();
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("vmflex-bench-count", counter))
                .build();
             PlacementScheduler scheduler = new PlacementScheduler(client, SchedulerSettings.defaults("bench"), Clock.systemUTC())) {
            long start = System.nanoTime();
            scheduler.start();
            scheduler.leading().get(60, TimeUnit.SECONDS);
            double leadSeconds = secondsSince(start);
            long led = System.nanoTime();
            // watched, not polled: a list of 1,000 VMs every few ms would load the API server the scheduler uses
            java.util.concurrent.CountDownLatch allBound = new java.util.concurrent.CountDownLatch(1);
            try (var watcher = admin.resources(NeonVm.class).inNamespace(ns).inform()) {
                Runnable check = () -> {
                    long n = watcher.getStore().list().stream().filter(PlacementBench::bound).count();
                    if (n >= vms) {
                        allBound.countDown();
                    }
                };
                watcher.addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<NeonVm>() {
                    @Override
                    public void onAdd(NeonVm obj) {
                        check.run();
                    }

                    @Override
                    public void onUpdate(NeonVm oldObj, NeonVm newObj) {
                        check.run();
                    }

                    @Override
                    public void onDelete(NeonVm obj, boolean deletedFinalStateUnknown) {
                    }
                });
                check.run();
                if (!allBound.await(600, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("not all bound after 600 s: " + boundCount(admin, ns));
                }
            }
            double bindSeconds = secondsSince(led);
            long requestsWhileBinding = counter.total();
            Map<String, Long> bindingRequests = counter.snapshot();
            System.out.printf("%nbinding %d VMs over %d nodes%n", vms, nodes);
            System.out.printf("  leader elected + caches listed: %.2f s%n", leadSeconds);
            System.out.printf("  scheduler:  %.2f s, %.0f bindings/s (%d requests, %.1f per VM, %d rounds)%n", bindSeconds,
                    vms / bindSeconds, requestsWhileBinding, requestsWhileBinding / (double) vms, scheduler.controller().rounds());
            bindingRequests.forEach((k, v) -> System.out.printf("    %-45s %d%n", k, v));
            System.out.printf("  baseline (the same writes straight from a client, %d in flight): %.2f s, %.0f/s%n", PARALLEL,
                    baselineSeconds, vms / baselineSeconds);
            System.out.printf("  ratio scheduler/baseline time: %.2f%n", bindSeconds / baselineSeconds);
            System.out.printf("  spread: %s%n", spread(admin, ns));

            Thread.sleep(5_000);
            Map<String, Long> before = counter.snapshot();
            long roundsBefore = scheduler.controller().rounds();
            long churnEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long churned = 0;
            while (System.nanoTime() < churnEnd) {
                long tick = System.nanoTime();
                for (int k = 0; k < churn; k++) {
                    int i = ThreadLocalRandom.current().nextInt(vms);
                    admin.resources(NeonVm.class).inNamespace(ns).withName("vm-" + i).subresource("status")
                            .patch(PatchContext.of(PatchType.JSON_MERGE),
                                    "{\"status\":{\"podIP\":\"10.0." + (churned % 250) + "." + (k % 250 + 1) + "\"}}");
                    churned++;
                }
                long sleep = TimeUnit.SECONDS.toMillis(1) - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tick);
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
            Map<String, Long> steady = RequestCounter.minus(counter.snapshot(), before);
            long total = steady.values().stream().mapToLong(Long::longValue).sum();
            double minutes = seconds / 60.0;
            System.out.printf("%nsteady state, %d s, %d status writes by others (%.1f/s) seen by the scheduler in %d rounds%n",
                    seconds, churned, churned / (double) seconds, scheduler.controller().rounds() - roundsBefore);
            System.out.printf("  scheduler requests: %d = %.4f per VM per minute%n", total, total / (double) vms / minutes);
            steady.forEach((k, v) -> System.out.printf("    %-45s %d%n", k, v));
            System.out.printf("  VMs still bound where they were: %s%n", boundCount(admin, ns) == vms ? "all" : "NOT ALL");
        }
    }

    /** Creates a VM; its resourceVersion. */
    private static String create(KubernetesClient admin, String ns, String name, String run, String schedulerName) {
        String yaml = SchedulerTestCluster.vmYaml(ns, name, run, "1", 2, Map.of())
                .replace("schedulerName: autoscale-scheduler", "schedulerName: " + schedulerName);
        NeonVm vm = admin.getKubernetesSerialization().unmarshal(yaml, NeonVm.class);
        return admin.resources(NeonVm.class).inNamespace(ns).resource(vm).create().getMetadata().getResourceVersion();
    }

    /**
     * What a binding writes, straight: the label at the resourceVersion (known from the create, as the
     * scheduler knows it from its cache), status.node, an Event: three requests, as the scheduler's.
     */
    private static void rawBinding(KubernetesClient admin, String ns, String name, String rv, String node) {
        NeonVm item = new NeonVm();
        item.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        var resource = admin.resources(NeonVm.class).inNamespace(ns).resource(item);
        NeonVm labelled = resource.patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"resourceVersion\":\"" + rv + "\",\"labels\":{\"" + VmNodeContract.NODE_LABEL + "\":\"baseline-" + node + "\"}}}");
        resource.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"resourceVersion\":\"" + labelled.getMetadata().getResourceVersion()
                        + "\"},\"status\":{\"node\":\"baseline-" + node + "\",\"phase\":\"Pending\",\"conditions\":[{\"type\":\"Scheduled\","
                        + "\"status\":\"True\",\"reason\":\"Scheduled\",\"message\":\"bound\",\"lastTransitionTime\":\""
                        + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}]}}");
        String now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        admin.v1().events().inNamespace(ns).resource(new EventBuilder().withNewMetadata().withName(name + ".baseline").endMetadata()
                .withNewInvolvedObject().withKind("VirtualMachine").withName(name).withNamespace(ns).endInvolvedObject()
                .withType("Normal").withReason("Scheduled").withMessage("baseline").withNewSource().withComponent("bench").endSource()
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1).build()).create();
    }

    private static long boundCount(KubernetesClient admin, String ns) {
        return admin.resources(NeonVm.class).inNamespace(ns).list().getItems().stream().filter(PlacementBench::bound).count();
    }

    private static boolean bound(NeonVm vm) {
        return vm.getMetadata().getLabels() != null && vm.getMetadata().getLabels().containsKey(VmNodeContract.NODE_LABEL)
                && vm.getStatus() != null && vm.getStatus().node() != null;
    }

    private static String spread(KubernetesClient admin, String ns) {
        Map<String, Integer> perNode = new java.util.TreeMap<>();
        for (NeonVm vm : admin.resources(NeonVm.class).inNamespace(ns).list().getItems()) {
            perNode.merge(vm.getMetadata().getLabels().get(VmNodeContract.NODE_LABEL), 1, Integer::sum);
        }
        var stats = perNode.values().stream().mapToInt(Integer::intValue).summaryStatistics();
        return perNode.size() + " nodes used, " + stats.getMin() + " to " + stats.getMax() + " VMs per node";
    }

    private static void parallel(int n, IntConsumer task) throws InterruptedException {
        Semaphore slots = new Semaphore(PARALLEL);
        List<Throwable> errors = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                slots.acquire();
                int index = i;
                pool.execute(() -> {
                    try {
                        task.accept(index);
                    } catch (RuntimeException e) {
                        synchronized (errors) {
                            errors.add(e);
                        }
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException(errors.size() + " of " + n + " tasks failed, first: " + errors.getFirst(), errors.getFirst());
        }
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    private PlacementBench() {
    }

}
