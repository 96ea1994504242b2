package io.vmflex.kube.permit;

import io.fabric8.kubernetes.api.model.Pod;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitService;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.kube.placement.ClusterCache;
import io.vmflex.kube.placement.SchedulerTestCluster;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.scheduler.Scheduler;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Permit decisions per second of the scheduler's permit API with {@code vms} VMs asking at once (run
 * by kube/bench/permit-bench.sh), on a real API server:
 * <ol>
 *   <li>{@code nodes} VM nodes, each with its node daemon pod and a pod-bound token of vmflex-node
 *       (TokenRequest), and {@code vms} VirtualMachines bound to them evenly;</li>
 *   <li>the permit server as in {@code vmflex scheduler} (TokenReview as the scheduler's account,
 *       the watch cache, the books); each node reports;</li>
 *   <li>{@code rounds} rounds: in each, every VM sends one permit request at the same moment (one
 *       virtual thread per VM, a start latch), alternately an increase (1 → 2 CPUs) and the release
 *       back; one HTTPS client per node, as each node's agent has one;</li>
 *   <li>baseline, same run: the same rounds straight into the same kind of books in-process
 *       ({@link Scheduler#requestPermit}), what the decision itself costs.</li>
 * </ol>
 * Arguments: {@code [vms] [nodes] [rounds]}, default 1000 10 20.
 */
public final class PermitBench {

    public static void main(String[] args) throws Exception {
        int vms = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int nodes = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        try (KubeApiServer kube = KubeApiServer.start()) {
            run(kube, vms, nodes, rounds);
        }
        System.exit(0);
    }

    private record Vm(String local, String node) {
    }

    private static void run(KubeApiServer kube, int vms, int nodes, int rounds) throws Exception {
        SchedulerTestCluster cluster = PermitFixture.cluster(kube);
        PermitFixture fixture = new PermitFixture(cluster.admin);
        String ns = "bench";
        cluster.namespace(ns);
        fixture.serviceAccount("vmflex-node");
        List<String> nodeNames = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            String node = "bench-" + n;
            nodeNames.add(node);
            cluster.node("bench", node, "1000", "4Ti", Map.of());
            Pod pod = fixture.daemonPod("vmflex-node-" + n, "vmflex-node", node);
            tokens.add(fixture.podToken("vmflex-node", pod));
        }
        List<Vm> all = new ArrayList<>();
        try (ExecutorService creators = Executors.newFixedThreadPool(16)) {
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < vms; i++) {
                String node = nodeNames.get(i % nodes);
                String name = "vm-" + i;
                all.add(new Vm(PermitFixture.local(ns, name), node));
                created.add(creators.submit(() -> cluster.admin.resource(cluster.admin.getKubernetesSerialization()
                        .unmarshal(PermitFixture.boundVmYaml(ns, name, node, "1"), io.vmflex.kube.crd.NeonVm.class)).create()));
            }
            for (Future<?> f : created) {
                f.get();
            }
        }
        System.out.printf("%d VMs on %d nodes created%n", vms, nodes);

        var schedulerClient = cluster.schedulerClient(cluster.schedulerKubeconfig());
        ClusterCache cache = new ClusterCache(schedulerClient);
        cache.start();
        cache.awaitSynced();
        PermitTls.Issued tls = PermitTls.issue(List.of("127.0.0.1"), Clock.systemUTC());
        AtomicInteger reviews = new AtomicInteger();
        ApiTokenReviewer apiReviewer = new ApiTokenReviewer(schedulerClient);
        TokenReviewer counted = token -> {
            reviews.incrementAndGet();
            return apiReviewer.review(token);
        };
        PermitServer server = PermitServer.start(new InetSocketAddress("127.0.0.1", 0), tls.keys(),
                new PermitAuthenticator(counted, cache::pod, Clock.systemUTC()), new PermitCounters());
        PermitBooks books = new PermitBooks(new Scheduler(SchedulerPermits.BOOKS), cache, () -> {
        });
        books.start();
        server.lead(books);
        while (books.scheduler().nodes().stream().filter(v -> v.name().startsWith("bench-")).count() < nodes
                || cache.vms().size() < vms) {
            Thread.sleep(100);
        }
        URI url = URI.create("https://127.0.0.1:" + server.address().getPort());
        List<PermitClient> clients = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            String token = tokens.get(n);
            clients.add(new PermitClient(url, () -> token, () -> List.of(tls.ca().cert()), Duration.ofSeconds(60)));
        }
        for (int n = 0; n < nodes; n++) {
            String node = nodeNames.get(n);
            List<NodeReport.VmReport> listed = all.stream().filter(v -> v.node().equals(node))
                    .map(v -> new NodeReport.VmReport(v.local(), new ResourceAmount(1000, 1L << 30),
                            new ResourceAmount(4000, 8L << 30), null, 0, Instant.now(), false)).toList();
            clients.get(n).report(new NodeReport(PermitCodec.VERSION, node, listed));
        }

        // the in-process baseline's own books, same VMs and nodes
        Scheduler direct = new Scheduler(SchedulerPermits.BOOKS);
        for (String node : nodeNames) {
            direct.addNode(node, new io.vmflex.scheduler.core.Amount(1_000_000, 4L << 40));
        }
        for (String node : nodeNames) {
            direct.report(new NodeReport(PermitCodec.VERSION, node, all.stream().filter(v -> v.node().equals(node))
                    .map(v -> new NodeReport.VmReport(v.local(), new ResourceAmount(1000, 1L << 30),
                            new ResourceAmount(4000, 8L << 30), null, 0, Instant.now(), false)).toList()));
        }

        // warm-up: one round each (JIT, TLS sessions)
        rounds(all, 2, 1, vm -> direct);
        rounds(all, 2, 1_000_000, vm -> clients.get(nodeNames.indexOf(vm.node())));
        int reviewsBefore = reviews.get();
        Result inProcess = rounds(all, rounds, 2_000_000, vm -> direct);
        Result https = rounds(all, rounds, 3_000_000, vm -> clients.get(nodeNames.indexOf(vm.node())));
        System.out.printf("in-process: %s%nhttps:      %s%nratio (in-process / https decisions per second): %.1f%n"
                        + "TokenReviews during the measured HTTPS rounds: %d (after %d for the warm-up)%n%s",
                inProcess, https, inProcess.perSecond() / https.perSecond(), reviews.get() - reviewsBefore, reviewsBefore,
                server.counters().prometheusText());
        server.close();
        books.close();
        cache.close();
    }

    private record Result(int decisions, double seconds, double p50Ms, double p99Ms) {
        double perSecond() {
            return decisions / seconds;
        }

        @Override
        public String toString() {
            return String.format("%d decisions in %.2f s = %.0f/s, latency p50 %.2f ms, p99 %.2f ms", decisions, seconds,
                    perSecond(), p50Ms, p99Ms);
        }
    }

    /** {@code rounds} rounds of every VM asking at once; odd rounds increase, even rounds release. */
    private static Result rounds(List<Vm> all, int rounds, long seqBase, Function<Vm, PermitService> to) throws Exception {
        long[] latencies = new long[all.size() * rounds];
        AtomicInteger next = new AtomicInteger();
        long started = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            ResourceAmount current = new ResourceAmount(r % 2 == 0 ? 1000 : 2000, 1L << 30);
            ResourceAmount wanted = new ResourceAmount(r % 2 == 0 ? 2000 : 1000, 1L << 30);
            long seq = seqBase + r + 1;
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>(all.size());
            for (Vm vm : all) {
                PermitService service = to.apply(vm);
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                        long t = System.nanoTime();
                        service.requestPermit(PermitRequest.of(vm.local(), vm.node(), seq, current, wanted, null));
                        latencies[next.getAndIncrement()] = System.nanoTime() - t;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int n = next.get();
        long[] done = Arrays.copyOf(latencies, n);
        Arrays.sort(done);
        return new Result(n, seconds, done[n / 2] / 1e6, done[Math.min(n - 1, (int) (n * 0.99))] / 1e6);
    }
}
