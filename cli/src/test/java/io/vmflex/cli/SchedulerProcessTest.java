package io.vmflex.cli;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.vmflex.kube.placement.SchedulerTestCluster;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two {@code vmflex scheduler} processes, as the Deployment's two replicas, against a real
 * kube-apiserver with the scheduler's service-account token: the leader is killed with SIGKILL and the
 * standby binds the next VM within the Lease; SIGTERM releases the Lease.
 */
@ExtendWith(KubeApiServerExtension.class)
class SchedulerProcessTest {

    private static final String RUN = "proc" + ProcessHandle.current().pid();
    private static final String NS = "sched-" + RUN;
    private static final String LEASE = "sched-" + RUN;
    private static final Duration LEASE_DURATION = Duration.ofSeconds(4);

    private final List<Process> processes = new ArrayList<>();
    private SchedulerTestCluster cluster;

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.cleanUp(RUN, NS);
        }
    }

    private Process scheduler(Path kubeconfig, String identity, Path logs) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.vmflex.cli.Main", "scheduler",
                "--kubeconfig", kubeconfig.toString(), "--identity", identity, "--lease-name", LEASE,
                "--lease-duration", LEASE_DURATION.toSeconds() + "s", "--renew-deadline", "3s", "--retry-period", "500ms",
                "--permit-listen", "127.0.0.1:0")
                .redirectErrorStream(true).redirectOutput(logs.resolve(identity + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private String holder() {
        Lease lease = cluster.admin.leases().inNamespace("vmflex-system").withName(LEASE).get();
        return lease == null ? null : lease.getSpec().getHolderIdentity();
    }

    @Test
    void standbyProcessShouldBindWithinTheLeaseAfterTheLeaderIsKilledAndSigtermShouldReleaseTheLease(KubeApiServer kube)
            throws Exception {
        cluster = new SchedulerTestCluster(kube);
        cluster.install();
        cluster.namespace(NS);
        cluster.node(RUN, RUN + "-a", "8", "16Gi", Map.of());
        Path kubeconfig = cluster.schedulerKubeconfig();
        Path logs = Files.createTempDirectory("scheduler-process-");
        Map<String, Process> byIdentity = new HashMap<>();
        byIdentity.put("replica-1", scheduler(kubeconfig, "replica-1", logs));
        byIdentity.put("replica-2", scheduler(kubeconfig, "replica-2", logs));

        cluster.applyVm(SchedulerTestCluster.vmYaml(NS, "before", RUN, "1", 1, Map.of()));
        await().atMost(60, TimeUnit.SECONDS).until(() -> cluster.boundNode(NS, "before") != null);
        String leader = holder();
        String standby = leader.equals("replica-1") ? "replica-2" : "replica-1";

        byIdentity.get(leader).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        long killed = System.nanoTime();
        cluster.applyVm(SchedulerTestCluster.vmYaml(NS, "after", RUN, "1", 1, Map.of()));
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                .until(() -> cluster.boundNode(NS, "after") != null);
        long tookMillis = (System.nanoTime() - killed) / 1_000_000;
        System.err.printf("SchedulerProcessTest: %s killed -9, %s bound the next VM %d ms later (lease %d ms)%n",
                leader, standby, tookMillis, LEASE_DURATION.toMillis());
        assertEquals(standby, holder());
        // expiry, then the standby's next attempt (at most 2.2 retry periods with fabric8's jitter), then the binding
        assertTrue(tookMillis < LEASE_DURATION.toMillis() + 1_100 + 3_000, "took " + tookMillis + " ms");

        Process survivor = byIdentity.get(standby);
        survivor.destroy();
        assertTrue(survivor.waitFor(30, TimeUnit.SECONDS));
        // released as fabric8 releases: no holder, or the Lease cut to a second from the leader's last renewal
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            Lease lease = cluster.admin.leases().inNamespace("vmflex-system").withName(LEASE).get();
            String holder = lease.getSpec().getHolderIdentity();
            return holder == null || holder.isEmpty() || lease.getSpec().getLeaseDurationSeconds() == 1;
        });
    }
}
