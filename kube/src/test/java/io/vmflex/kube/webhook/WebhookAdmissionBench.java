package io.vmflex.kube.webhook;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;

/**
 * Benchmark, not part of the suite (its name matches no surefire include; run it with
 * {@code -Dtest=WebhookAdmissionBench}): what the webhook adds to a VirtualMachine create on the real API
 * server. Server-side dry-run creates through fabric8 (nothing stored, the full admission chain runs),
 * first with no webhook configured (the same run's baseline), then through the webhook (failurePolicy
 * Fail, so every create waited for its answer): valid VMs admitted and invalid ones refused. Prints
 * p50/p95 and the ratios; asserts only that the webhook judged what it was sent.
 */
@ExtendWith(KubeApiServerExtension.class)
class WebhookAdmissionBench {

    private static final int WARMUP = 20;
    private static final int RUNS = 200;
    private static final String NS = "webhook-bench";
    private static final String CONFIG = "vmflex-webhook-bench";

    @Test
    void createLatencyWithAndWithoutTheWebhook(KubeApiServer kube) throws Exception {
        ApiServerFixtures.installCrds(kube);
        ApiServerFixtures.namespace(kube, NS);
        try (KubernetesClient client = kube.client()) {
            GenericKubernetesResource valid = vm(NS, "1");
            GenericKubernetesResource invalid = vm(NS, "3");
            long[] baseline = time(client, valid, true);
            long[] baselineInvalid = time(client, invalid, true); // no webhook: the API server admits it
            int port = ApiServerFixtures.freePort();
            WebhookSettings settings = new WebhookSettings(NS, WebhookSettings.SECRET, CONFIG,
                    new WebhookEndpoint.Url(URI.create("https://127.0.0.1:" + port + WebhookEndpoint.PATH)),
                    WebhookSettings.FailurePolicy.Fail, RotationPolicy.DEFAULT, Duration.ofHours(1));
            try (Webhook webhook = Webhook.start(client, settings, new InetSocketAddress("127.0.0.1", port), Clock.systemUTC())) {
                ApiServerFixtures.awaitJudging(kube, NS);
                long[] judged = time(client, valid, true);
                long[] refused = time(client, invalid, false);
                System.out.printf("WebhookAdmissionBench: %d dry-run creates each (after %d warm-up), ms p50 / p95%n", RUNS, WARMUP);
                System.out.printf("  no webhook, valid VM         %6.2f / %6.2f%n", p(baseline, 50), p(baseline, 95));
                System.out.printf("  no webhook, invalid VM       %6.2f / %6.2f  (admitted: nothing judges it)%n",
                        p(baselineInvalid, 50), p(baselineInvalid, 95));
                System.out.printf("  webhook, valid VM admitted   %6.2f / %6.2f  ratio p50 %.2f%n", p(judged, 50), p(judged, 95),
                        p(judged, 50) / p(baseline, 50));
                System.out.printf("  webhook, invalid VM refused  %6.2f / %6.2f  ratio p50 %.2f%n", p(refused, 50), p(refused, 95),
                        p(refused, 50) / p(baseline, 50));
            } finally {
                client.admissionRegistration().v1().validatingWebhookConfigurations().withName(CONFIG).delete();
            }
        }
    }

    private static long[] time(KubernetesClient client, GenericKubernetesResource vm, boolean admitted) {
        long[] nanos = new long[RUNS];
        for (int i = -WARMUP; i < RUNS; i++) {
            long start = System.nanoTime();
            boolean ok;
            try {
                client.genericKubernetesResources("vm.neon.tech/v1", "VirtualMachine").inNamespace(NS)
                        .resource(vm).dryRun().create();
                ok = true;
            } catch (KubernetesClientException e) {
                if (!e.getMessage().contains("denied the request")) {
                    throw e;
                }
                ok = false;
            }
            long elapsed = System.nanoTime() - start;
            if (ok != admitted) {
                throw new AssertionError("expected " + (admitted ? "admitted" : "refused") + " on run " + i);
            }
            if (i >= 0) {
                nanos[i] = elapsed;
            }
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private static double p(long[] sorted, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }

    private static GenericKubernetesResource vm(String namespace, String use) throws Exception {
        return Serialization.unmarshal(ApiServerFixtures.computeNode(namespace, "bench-" + use, use),
                GenericKubernetesResource.class);
    }
}
