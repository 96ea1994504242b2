package io.vmflex.cli.bench;

import io.fabric8.kubernetes.client.Config;
import io.vmflex.cli.kube.KubeNode;
import io.vmflex.cli.kube.KubernetesSpecAuthority;
import io.vmflex.client.AdminClient;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.kube.testing.NodeAccount;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;
import io.vmflex.vmm.api.Admission;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Benchmark harness, not a test (no time is asserted; surefire runs it only when named):
 * {@code kubectl patch} of {@code /spec/guest/cpus/use} to the guest reporting the vCPU on its console,
 * against {@code vmctl patch} (the same JSON patch on the admin socket) on a standalone daemon, in the
 * same run, one VM at a time on the same machine. Run:
 * <pre>
 * ./mvnw -pl cli test -Dtest=KubeResizeBench -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dvmflex.images=/path/to/build/images -Dvmflex.kube.apiserver=.../kube-apiserver [-Dbench.runs=10]
 * </pre>
 * The guest's console reports its CPU count five times a second, so every figure carries up to ~200 ms
 * of guest polling; the kubectl figures include starting kubectl (measured alone: "kubectl returns").
 */
@Tag("qemu")
@ExtendWith(KubeApiServerExtension.class)
class KubeResizeBench {
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final int RUNS = Integer.getInteger("bench.runs", 8);
    private static final String VM_YAML = """
            apiVersion: vm.neon.tech/v1
            kind: VirtualMachine
            metadata:
              name: test-vm
              namespace: bench
              labels: {vmflex.io/node: bench-kube}
            spec:
              restartPolicy: Always
              guest:
                cpus: {min: 1, use: 1, max: 4}
                memorySlotSize: 128Mi
                memorySlots: {min: 2, use: 2, max: 8}
                rootDisk: {image: test}
            """;

    private interface Patch {
        void cpus(int n) throws Exception;
    }

    @Test
    void kubectlPatchAgainstVmctlPatch(KubeApiServer kube) throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "vmflex-kbench");
        List<Long> standaloneUp = new ArrayList<>();
        List<Long> standaloneDown = new ArrayList<>();
        List<Long> kubeUp = new ArrayList<>();
        List<Long> kubeDown = new ArrayList<>();
        List<Long> kubectlReturns = new ArrayList<>();

        try (Vmmd vmmd = Vmmd.start(config(work.resolve("standalone"), "bench-standalone"));
             AdminClient api = new AdminClient(vmmd.config().socket())) {
            var r = api.request("PUT", "/v1/vms/test-vm", "application/yaml",
                    VM_YAML.replace("  namespace: bench\n", "").getBytes(StandardCharsets.UTF_8));
            assertEquals(201, r.status(), new String(r.body(), StandardCharsets.UTF_8));
            measure("vmctl patch", vmmd, "test-vm", n -> {
                var p = api.request("PATCH", "/v1/vms/test-vm", "application/json-patch+json",
                        ("[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":" + n + "}]").getBytes(StandardCharsets.UTF_8));
                assertEquals(200, p.status());
            }, standaloneUp, standaloneDown);
            api.request("DELETE", "/v1/vms/test-vm", null, null).requireSuccess();
        }

        kube.kubectl("apply", "-f", Path.of("../deploy/crds").toString()).orFail();
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/virtualmachines.vm.neon.tech").orFail();
        if (!kube.kubectl("get", "namespace", "bench").ok()) {
            kube.kubectl("create", "namespace", "bench").orFail();
        }
        Path kubeconfig = NodeAccount.kubeconfig(kube);
        try (Vmmd vmmd = Vmmd.start(config(work.resolve("kube"), "bench-kube"), null, null, Admission.ANY, new KubernetesSpecAuthority());
             KubeNode node = KubeNode.start(Config.fromKubeconfig(Files.readString(kubeconfig)), vmmd)) {
            kube.kubectlWithInput(VM_YAML, "apply", "-f", "-").orFail();
            long t = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (vmmd.vms().find("bench-test-vm-5").isEmpty() && System.nanoTime() < t) {
                Thread.sleep(100);
            }
            measure("kubectl patch", vmmd, "bench-test-vm-5", n -> {
                long t0 = System.nanoTime();
                kube.kubectl("patch", "neonvm", "test-vm", "-n", "bench", "--type=json",
                        "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":" + n + "}]").orFail();
                kubectlReturns.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }, kubeUp, kubeDown);
            kube.kubectl("delete", "neonvm", "test-vm", "-n", "bench", "--wait=true", "--timeout=60s").orFail();
        }

        System.out.printf("%n%-22s %8s %8s %8s %8s %10s%n", "step (" + RUNS + " runs)", "vmctl p50", "p95", "kubectl p50", "p95", "ratio p50");
        row("vCPU 1 -> 2", standaloneUp, kubeUp);
        row("vCPU 2 -> 1", standaloneDown, kubeDown);
        System.out.printf("kubectl patch alone (start to exit): p50 %d ms, p95 %d ms%n",
                BenchCommand.pct(kubectlReturns, 50), BenchCommand.pct(kubectlReturns, 95));
    }

    private static void row(String step, List<Long> vmctl, List<Long> kubectl) {
        long a = BenchCommand.pct(vmctl, 50);
        long b = BenchCommand.pct(kubectl, 50);
        System.out.printf("%-22s %6d ms %6d ms %8d ms %6d ms %10.2f%n", step, a, BenchCommand.pct(vmctl, 95), b,
                BenchCommand.pct(kubectl, 95), a == 0 ? 0.0 : (double) b / a);
    }

    private static VmmdConfig config(Path state, String node) {
        VmmdConfig d = VmmdConfig.defaults(node);
        return new VmmdConfig(state, state.resolve("vmmd.sock"), node, IMAGES, d.qemuBinary(), null, d.socketMode(), d.devKvm(),
                null, "vmflex-" + node, "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(), null);
    }

    /** Boot, then RUNS x (1 -> 2, 2 -> 1), each timed from the request to the guest's console report. */
    private static void measure(String label, Vmmd vmmd, String vm, Patch patch, List<Long> up, List<Long> down) throws Exception {
        GuestConsoleWatch watch = new GuestConsoleWatch();
        try (AdminClient follower = new AdminClient(vmmd.config().socket(), Duration.ofHours(1))) {
            Thread follow = Thread.ofVirtual().start(() -> {
                try {
                    follower.stream("/v1/vms/" + vm + "/console?follow=true&tail=0", watch::accept);
                } catch (Exception e) {
                    // ends when the follower is closed
                }
            });
            watch.await(r -> r.cpus() == 1, Duration.ofSeconds(120));
            for (int i = 0; i < RUNS; i++) {
                up.add(step(watch, () -> patch.cpus(2), 2));
                down.add(step(watch, () -> patch.cpus(1), 1));
                System.out.printf("[%s] run %d/%d: up %d ms, down %d ms%n", label, i + 1, RUNS, up.getLast(), down.getLast());
            }
            follow.interrupt();
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private static long step(GuestConsoleWatch w, Action action, int cpus) throws Exception {
        w.clear();
        long t0 = System.nanoTime();
        action.run();
        return TimeUnit.NANOSECONDS.toMillis(w.await(r -> r.cpus() == cpus, Duration.ofSeconds(60)).arrivedNanos() - t0);
    }
}
