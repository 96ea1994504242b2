package io.vmflex.cli.e2e;

import io.vmflex.api.json.ApiMapper;
import io.vmflex.cli.kube.KubeVmPatcher;
import io.vmflex.kube.permit.PermitFixture;
import io.vmflex.kube.permit.PermitTls;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Autoscaling in cluster mode, as the DaemonSet and the Deployment run it but without a kubelet: a
 * {@code vmflex daemon --kubeconfig --scheduler-url} process acting as the node's service account
 * (its pod exists with spec.nodeName, and its token is a pod-bound token from the TokenRequest API)
 * and a {@code vmflex scheduler} process serving permits over HTTPS, against the real API server with
 * real QEMU. The test image's workload burns two CPUs for 100 s of uptime: nobody patches anything,
 * yet the VirtualMachine's spec.guest.cpus.use grows past 1 and its 2nd vCPU is plugged (written by the
 * agent, field manager vmflex-agent) and back to 1 after the load, and the scheduler's permit counters show the grant.
 * CPU load in the test image stands in for the pgbench from a client namespace.
 */
@Tag("qemu")
@ExtendWith(KubeApiServerExtension.class)
class KubeAutoscaleIT {
    private static final String RUN = "ka" + ProcessHandle.current().pid();
    private static final String NODE = RUN + "-a";
    private static final String NS = "demo";
    private static final String VM = RUN + "-vm";
    private static final String BURN = "end=$(( $(cut -d. -f1 /proc/uptime) + 100 )); "
            + "burn() { while :; do read u _ < /proc/uptime; [ ${u%.*} -ge $end ] && break; done; }; burn & burn & wait; "
            + "echo vmflex-burn-over";

    private static KubeApiServer kube;
    private static KubeTestCluster cluster;
    private static int permitPort;
    private static final ClusterProcesses processes = new ClusterProcesses();

    @BeforeAll
    static void start(KubeApiServer server) throws Exception {
        KubeTestCluster.assumeTestImage("KubeAutoscaleIT");
        kube = server;
        cluster = KubeTestCluster.install(kube, RUN, NS, "vmfx-kauto", processes);
        cluster.nodeForAnyVm(NODE, "4", "8Gi");
        KubeTestCluster.Permits permits = cluster.startPermitScheduler(NODE);
        permitPort = permits.port();
        cluster.startDaemon(NODE, permits.daemonFlags());
    }

    @AfterAll
    static void stop() throws Exception {
        if (kube != null) {
            kube.kubectl("delete", "neonvm", VM, "-n", NS, "--ignore-not-found", "--wait=true", "--timeout=90s");
        }
        processes.close();
        if (cluster != null) {
            cluster.deleteNodes();
        }
    }

    private static String get(String jsonpath) {
        return kube.kubectl("get", "neonvm", VM, "-n", NS, "-o", "jsonpath={" + jsonpath + "}").orFail();
    }

    private static String schedulerMetrics() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(trustScheduler()).build();
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + permitPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static javax.net.ssl.SSLContext trustScheduler() throws Exception {
        var certs = PermitTls.readPublished(cluster.api.admin, PermitFixture.NS);
        var store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", certs.getFirst());
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        var tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }

    private static long counter(String metrics, String result) {
        String prefix = "vmflex_scheduler_permit_requests_total{result=\"" + result + "\"} ";
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> (long) Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElse(0);
    }

    @Test
    void shouldGrowUnderLoadThroughAPermitAndShrinkAfterWithNobodyPatching() throws Exception {
        String manifest = """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                  namespace: %s
                  labels: {autoscaling.neon.tech/enabled: "true"}
                spec:
                  schedulerName: autoscale-scheduler
                  guest:
                    cpus: {min: 1, use: 1, max: 2}
                    memorySlotSize: 256Mi
                    memorySlots: {min: 4, use: 4, max: 8}
                    rootDisk: {image: test}
                    command: ["/bin/sh", "-c", %s]
                """.formatted(VM, NS, ApiMapper.json().writeValueAsString(BURN));
        kube.kubectlWithInput(manifest, "apply", "-f", "-").orFail();
        long t0 = System.nanoTime();
        Awaitility.await("placed on the node and Running").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> get(".status.phase").equals("Running"));
        assertEquals(NODE, cluster.api.boundNode(NS, VM));

        Awaitility.await("the agent raises the object's CPU until the 2nd vCPU is plugged while the guest burns").atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofSeconds(1)).until(() -> get(".status.cpus").equals("2"));
        long upAt = (System.nanoTime() - t0) / 1_000_000;
        // Above 1 CPU and within max: how far depends on how busy the host lets the guest look (a
        // fractional 1250m already plugs the 2nd vCPU; on a loaded host that is what the agent asks for).
        long grownUse = io.vmflex.api.vm.MilliCpu.parse(get(".spec.guest.cpus.use")).millis();
        assertTrue(grownUse > 1000 && grownUse <= 2000, "spec.guest.cpus.use grew within max: " + grownUse + "m");
        String managers = get(".metadata.managedFields[*].manager");
        assertTrue(managers.contains(KubeVmPatcher.FIELD_MANAGER), "written by the node's agent: " + managers);
        assertTrue(!get(".spec.targetRevision.revision.value").isEmpty(), "targetRevision stamped");
        String metrics = schedulerMetrics();
        assertTrue(counter(metrics, "granted") + counter(metrics, "partial") >= 1, "the increase was permitted: " + metrics);
        assertEquals(0, counter(metrics, "unauthenticated") + counter(metrics, "forbidden"), metrics);

        Awaitility.await("back to one CPU after the load").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1))
                .until(() -> get(".status.cpus").equals("1"));
        long downAt = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1000, io.vmflex.api.vm.MilliCpu.parse(get(".spec.guest.cpus.use")).millis());
        String after = schedulerMetrics();
        assertTrue(counter(after, "released") + counter(after, "granted") > counter(metrics, "released") + counter(metrics, "granted"),
                "the downscale was told to the scheduler: " + after);
        System.out.printf("KubeAutoscaleIT: spec.guest.cpus.use 1 -> %dm at %.1f s after apply, back to 1 at %.1f s%n%s%n",
                grownUse, upAt / 1000.0, downAt / 1000.0, after);
    }
}
