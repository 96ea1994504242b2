package io.vmflex.kube.permit;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.PermitOutcome;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.kube.placement.ClusterCache;
import io.vmflex.kube.placement.SchedulerTestCluster;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.SchedulerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The permit API over HTTPS against the real API server: tokens are pod-bound service account tokens
 * from the TokenRequest API, checked by the server with TokenReview run as the scheduler's own
 * service account (exactly the verbs of scheduler-rbac.yaml); VMs and pods are real objects.
 */
@ExtendWith(KubeApiServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PermitServerApiServerTest {

    private static final ResourceAmount ONE = new ResourceAmount(1000, 1L << 30);
    private static final ResourceAmount TWO = new ResourceAmount(2000, 1L << 30);

    private final String run = "permit-" + UUID.randomUUID().toString().substring(0, 6);
    private final String nodeA = run + "-a";
    private final String nodeB = run + "-b";
    private final String ns = run;
    private SchedulerTestCluster cluster;
    private PermitFixture fixture;
    private KubernetesClient schedulerClient;
    private ClusterCache cache;
    private PermitTls.Issued tls;
    private PermitServer server;
    private PermitBooks books;
    private String tokenA;
    private Pod podA;

    @BeforeAll
    void start(KubeApiServer kube) throws Exception {
        cluster = PermitFixture.cluster(kube);
        fixture = new PermitFixture(cluster.admin);
        cluster.namespace(ns);
        cluster.node(run, nodeA, "4", "8Gi", Map.of());
        cluster.node(run, nodeB, "4", "8Gi", Map.of());
        fixture.serviceAccount("vmflex-node");
        fixture.serviceAccount("intruder");
        podA = fixture.daemonPod(run + "-node-a", "vmflex-node", nodeA);
        fixture.daemonPod(run + "-node-b", "vmflex-node", nodeB);
        tokenA = fixture.podToken("vmflex-node", podA);
        cluster.applyVm(PermitFixture.boundVmYaml(ns, "vm-a", nodeA, "1"));
        cluster.applyVm(PermitFixture.boundVmYaml(ns, "vm-b", nodeB, "1"));

        Path kubeconfig = cluster.schedulerKubeconfig();
        schedulerClient = cluster.schedulerClient(kubeconfig);
        cache = new ClusterCache(schedulerClient);
        cache.start();
        tls = PermitTls.issue(List.of("127.0.0.1", "localhost"), Clock.systemUTC());
        PermitTls.publish(schedulerClient, PermitFixture.NS, tls.caPem());
        server = PermitServer.start(new InetSocketAddress("127.0.0.1", 0), tls.keys(),
                new PermitAuthenticator(new ApiTokenReviewer(schedulerClient), cache::pod, Clock.systemUTC()), new PermitCounters());
        books = newBooks();
        server.lead(books);
    }

    private PermitBooks newBooks() {
        PermitBooks b = new PermitBooks(new Scheduler(new SchedulerConfig(Amount.ZERO, 0.9, SchedulerConfig.NEON_UNIT)), cache,
                () -> {
                });
        b.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> b.scheduler().node(nodeA).isPresent()
                && b.scheduler().node(nodeB).isPresent());
        return b;
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (books != null) {
            books.close();
        }
        if (cache != null) {
            cache.close();
        }
        if (cluster != null) {
            cluster.cleanUp(run, ns);
            cluster.admin.pods().inNamespace(PermitFixture.NS).withLabel("app.kubernetes.io/name", "vmflex-node").delete();
        }
    }

    private URI url() {
        return URI.create("https://127.0.0.1:" + server.address().getPort());
    }

    /** A client trusting the CA that the scheduler published in its ConfigMap. */
    private PermitClient client(String token) {
        return new PermitClient(url(), () -> token, () -> PermitTls.readPublished(cluster.admin, PermitFixture.NS),
                Duration.ofSeconds(10));
    }

    private NodeReport reportA(ResourceAmount lastPermit, long lastSeq) {
        return new NodeReport(PermitCodec.VERSION, nodeA, List.of(new NodeReport.VmReport(PermitFixture.local(ns, "vm-a"),
                ONE, new ResourceAmount(4000, 8L << 30), lastPermit, lastSeq, Instant.now(), false)));
    }

    private static final AtomicInteger SEQ = new AtomicInteger(1000);

    private PermitRequest ask(String node, String vm, ResourceAmount current, ResourceAmount wanted) {
        return PermitRequest.of(vm, node, SEQ.incrementAndGet(), current, wanted, null);
    }

    @Test
    void shouldGrantAnIncreaseToTheNodesOwnPodBoundToken() {
        PermitClient client = client(tokenA);
        client.reportWith(() -> reportA(null, 0));
        PermitResponse answer = client.requestPermit(ask(nodeA, PermitFixture.local(ns, "vm-a"), ONE, TWO));
        assertEquals(PermitOutcome.GRANTED, answer.outcome(), String.valueOf(answer.reason()));
        assertEquals(TWO, answer.permit());
        assertEquals(2000, books.scheduler().vm(PermitFixture.local(ns, "vm-a")).orElseThrow().reserved().cpuMillis());
        assertTrue(server.counters().get("granted") >= 1);
    }

    @Test
    void shouldRefuseAVmOfAnotherNodeAndGrantNothing() {
        PermitClient client = client(tokenA);
        client.reportWith(() -> reportA(null, 0));
        long before = server.counters().get("forbidden");
        String vmB = PermitFixture.local(ns, "vm-b");
        // asking as node A about B's VM, and naming node B outright
        var asA = assertThrows(PermitClient.PermitCallException.class, () -> client.requestPermit(ask(nodeA, vmB, ONE, TWO)));
        assertEquals(403, asA.status(), asA.getMessage());
        assertTrue(asA.getMessage().contains("is not bound to node " + nodeA), asA.getMessage());
        var asB = assertThrows(PermitClient.PermitCallException.class, () -> client.requestPermit(ask(nodeB, vmB, ONE, TWO)));
        assertEquals(403, asB.status(), asB.getMessage());
        var reportB = assertThrows(PermitClient.PermitCallException.class,
                () -> client.report(new NodeReport(PermitCodec.VERSION, nodeB, List.of())));
        assertEquals(403, reportB.status());
        assertEquals(before + 3, server.counters().get("forbidden"));
        assertTrue(books.scheduler().node(nodeB).orElseThrow().reserved().cpuMillis() <= 1000,
                "nothing reserved on node B: " + books.scheduler().node(nodeB));
    }

    @Test
    void shouldRefuseMissingForgedForeignAndUnboundTokens() throws Exception {
        String vmA = PermitFixture.local(ns, "vm-a");
        long unauthenticated = server.counters().get("unauthenticated");
        long forbidden = server.counters().get("forbidden");
        HttpClient raw = HttpClient.newBuilder().sslContext(PermitClient.sslContext(PermitTls.readPublished(cluster.admin,
                PermitFixture.NS))).build();
        HttpResponse<String> none = raw.send(HttpRequest.newBuilder(url().resolve(PermitServer.PERMITS))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PermitCodec.encode(ask(nodeA, vmA, ONE, TWO)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, none.statusCode());
        assertTrue(none.body().startsWith("no bearer token"), none.body());
        assertEquals(1, none.body().strip().lines().count());

        String forged = tokenA.substring(0, tokenA.lastIndexOf('.') + 1) + "c2lnbmF0dXJl";
        var f = assertThrows(PermitClient.PermitCallException.class, () -> client(forged).requestPermit(ask(nodeA, vmA, ONE, TWO)));
        assertEquals(401, f.status(), f.getMessage());

        Pod intruderPod = fixture.daemonPod(run + "-intruder", "intruder", nodeA);
        var foreign = assertThrows(PermitClient.PermitCallException.class,
                () -> client(fixture.podToken("intruder", intruderPod)).requestPermit(ask(nodeA, vmA, ONE, TWO)));
        assertEquals(403, foreign.status());
        assertTrue(foreign.getMessage().contains("only " + PermitAuthenticator.NODE_ACCOUNT), foreign.getMessage());

        var unbound = assertThrows(PermitClient.PermitCallException.class,
                () -> client(fixture.unboundToken("vmflex-node")).requestPermit(ask(nodeA, vmA, ONE, TWO)));
        assertEquals(403, unbound.status());
        assertTrue(unbound.getMessage().contains("bound to no pod"), unbound.getMessage());

        assertEquals(unauthenticated + 2, server.counters().get("unauthenticated"));
        assertEquals(forbidden + 2, server.counters().get("forbidden"));
        assertTrue(server.counters().prometheusText().contains("vmflex_scheduler_permit_requests_total{result=\"unauthenticated\"}"));
    }

    @Test
    void shouldGrantNoIncreaseAfterARestartUntilTheNodeReportedAndNothingTwice() {
        String vmA = PermitFixture.local(ns, "vm-a");
        PermitClient client = client(tokenA);
        client.reportWith(() -> reportA(null, 0));
        PermitRequest first = ask(nodeA, vmA, ONE, TWO);
        PermitResponse granted = client.requestPermit(first);
        assertEquals(TWO, granted.permit());

        // a new leader: fresh books; the old ones are gone with the old process
        PermitBooks old = books;
        books = newBooks();
        server.lead(books);
        old.close();
        PermitClient noReporter = client(tokenA);
        var before = assertThrows(PermitClient.PermitCallException.class,
                () -> noReporter.requestPermit(ask(nodeA, vmA, TWO, new ResourceAmount(3000, 1L << 30))));
        assertEquals(428, before.status(), before.getMessage());
        assertEquals(0, books.scheduler().vm(vmA).map(v -> v.reserved().cpuMillis()).orElse(0L), "nothing booked before the report");

        // the agent reports the permit it holds: booked at it, and the granted seq is not granted again
        client.reportWith(() -> reportA(granted.permit(), first.seq()));
        client.report(reportA(granted.permit(), first.seq()));
        assertEquals(2000, books.scheduler().vm(vmA).orElseThrow().reserved().cpuMillis());
        PermitResponse replay = client.requestPermit(first);
        assertEquals(PermitOutcome.STALE, replay.outcome());
        assertEquals(2000, books.scheduler().vm(vmA).orElseThrow().reserved().cpuMillis());
    }

    @Test
    void shouldAnswerBadCallsWithOneLineAndAStandbyWith503NamingTheLeader() throws Exception {
        HttpClient raw = HttpClient.newBuilder().sslContext(PermitClient.sslContext(List.of(tls.ca().cert()))).build();
        String vmA = PermitFixture.local(ns, "vm-a");
        java.util.function.BiFunction<String, byte[], HttpResponse<String>> post = (type, body) -> {
            try {
                return raw.send(HttpRequest.newBuilder(url().resolve(PermitServer.PERMITS)).header("Authorization", "Bearer " + tokenA)
                        .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        HttpResponse<String> bad = post.apply("application/json", "{\"version\":1,\"vm\":\"x\"}".getBytes());
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("node") && bad.body().strip().lines().count() == 1, bad.body());
        assertEquals(400, post.apply("application/json", "{\"version\":2}".getBytes()).statusCode());
        assertEquals(413, post.apply("application/json", new byte[PermitCodec.MAX_PERMIT_BODY + 1]).statusCode());
        assertEquals(415, post.apply("text/plain", PermitCodec.encode(ask(nodeA, vmA, ONE, TWO))).statusCode());
        assertEquals(404, raw.send(HttpRequest.newBuilder(url().resolve("/v1/other")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode());
        assertEquals(405, raw.send(HttpRequest.newBuilder(url().resolve(PermitServer.PERMITS)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpResponse<String> mismatch = raw.send(HttpRequest.newBuilder(url().resolve("/v1/nodes/" + nodeB + "/report"))
                .header("Authorization", "Bearer " + tokenA).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(PermitCodec.encode(reportA(null, 0)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, mismatch.statusCode(), mismatch.body());

        try (PermitServer standby = PermitServer.start(new InetSocketAddress("127.0.0.1", 0), tls.keys(),
                new PermitAuthenticator(new ApiTokenReviewer(schedulerClient), cache::pod, Clock.systemUTC()), new PermitCounters())) {
            standby.leader("replica-1");
            PermitClient toStandby = new PermitClient(URI.create("https://127.0.0.1:" + standby.address().getPort()),
                    () -> tokenA, () -> List.of(tls.ca().cert()), Duration.ofSeconds(10));
            var refused = assertThrows(PermitClient.PermitCallException.class,
                    () -> toStandby.requestPermit(ask(nodeA, vmA, ONE, TWO)));
            assertEquals(503, refused.status());
            assertTrue(refused.getMessage().contains("the leader is replica-1"), refused.getMessage());
            assertEquals(503, raw.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + standby.address().getPort()
                    + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        assertEquals(200, raw.send(HttpRequest.newBuilder(url().resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode());
    }

    @Test
    void shouldTrustANewLeadersCaOnceItIsPublished() throws Exception {
        String vmA = PermitFixture.local(ns, "vm-a");
        int port;
        PermitTls.Issued newCa = PermitTls.issue(List.of("127.0.0.1"), Clock.systemUTC());
        // the old leader, its CA published, and an agent that trusts the ConfigMap
        try (PermitServer old = PermitServer.start(new InetSocketAddress("127.0.0.1", 0), tls.keys(),
                new PermitAuthenticator(new ApiTokenReviewer(schedulerClient), cache::pod, Clock.systemUTC()), new PermitCounters())) {
            old.lead(books);
            port = old.address().getPort();
        }
        PermitClient agent = new PermitClient(URI.create("https://127.0.0.1:" + port), () -> tokenA,
                () -> PermitTls.readPublished(cluster.admin, PermitFixture.NS), Duration.ofSeconds(10));
        agent.reportWith(() -> reportA(null, 0));
        // a new leader at the same address (the Service) with its own CA, published as it starts leading
        try (PermitServer leader = PermitServer.start(new InetSocketAddress("127.0.0.1", port), newCa.keys(),
                new PermitAuthenticator(new ApiTokenReviewer(schedulerClient), cache::pod, Clock.systemUTC()), new PermitCounters())) {
            leader.lead(books);
            PermitTls.publish(schedulerClient, PermitFixture.NS, tls.caPem());
            var untrusted = assertThrows(PermitClient.PermitCallException.class,
                    () -> agent.requestPermit(ask(nodeA, vmA, ONE, ONE)));
            assertTrue(untrusted.getMessage().contains("TLS handshake"), untrusted.getMessage());
            PermitTls.publish(schedulerClient, PermitFixture.NS, newCa.caPem());
            assertEquals(PermitOutcome.GRANTED, agent.requestPermit(ask(nodeA, vmA, ONE, ONE)).outcome(),
                    "the CA is re-read after the failed handshake");
        } finally {
            PermitTls.publish(schedulerClient, PermitFixture.NS, tls.caPem());
        }
    }
}
