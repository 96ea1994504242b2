package io.vmflex.kube.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.vmflex.kube.testing.KubeApiServer;
import io.vmflex.kube.testing.KubeApiServerExtension;
import io.vmflex.kube.testing.Kubectl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/ on a real kube-apiserver with the machine's kubectl: {@code kubectl apply -k deploy/} installs,
 * {@code kubectl auth can-i} as each service account says yes to what the component needs and no to a
 * sample of what it does not, and the webhook, run with nothing but its service account's rights,
 * fills the shipped Secret and configuration and refuses an invalid VM; every rule of its ClusterRole
 * and Role is one it used (counted from its requests), so the role cannot grow unnoticed.
 */
@ExtendWith(KubeApiServerExtension.class)
class DeployApiServerTest {

    private static final Path DEPLOY = Path.of("../deploy");
    private static final String SA = "system:serviceaccount:vmflex-system:";

    private static KubeApiServer kube;

    @BeforeAll
    static void apply(KubeApiServer server) {
        kube = server;
        kube.kubectl("apply", "-k", DEPLOY.toString()).orFail();
        // Twice: a re-apply is how an upgrade is installed, and must change nothing the webhook wrote.
        kube.kubectl("apply", "-k", DEPLOY.toString()).orFail();
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/virtualmachines.vm.neon.tech").orFail();
    }

    @AfterAll
    static void removeWebhookConfiguration() {
        // Its Service has no pods here (no kubelet): leave no configuration for the other tests' VMs to pass.
        if (kube != null) {
            kube.kubectl("delete", "validatingwebhookconfiguration", WebhookSettings.CONFIGURATION, "--ignore-not-found").orFail();
        }
    }

    @Test
    void shouldInstallEveryObject() {
        String objects = kube.kubectl("get", "-n", "vmflex-system", "daemonset,deployment,service,serviceaccount,secret",
                "-o", "name").orFail();
        for (String name : List.of("daemonset.apps/vmflex-node", "deployment.apps/vmflex-scheduler",
                "deployment.apps/vmflex-webhook", "service/vmflex-webhook", "serviceaccount/vmflex-node",
                "serviceaccount/vmflex-scheduler", "serviceaccount/vmflex-webhook", "secret/vmflex-webhook-tls")) {
            assertTrue(objects.contains(name), name + " missing from:\n" + objects);
        }
        assertEquals("2", kube.kubectl("get", "deployment", "vmflex-scheduler", "-n", "vmflex-system",
                "-o", "jsonpath={.spec.replicas}").orFail());
        assertEquals("true", kube.kubectl("get", "daemonset", "vmflex-node", "-n", "vmflex-system",
                "-o", "jsonpath={.spec.template.spec.hostNetwork}").orFail());
        assertEquals("Ignore", kube.kubectl("get", "validatingwebhookconfiguration", WebhookSettings.CONFIGURATION,
                "-o", "jsonpath={.webhooks[0].failurePolicy}").orFail());
    }

    @Test
    void shouldGrantEachComponentWhatItNeedsAndNoMore() {
        List<String> wrong = new ArrayList<>();
        // node daemon
        yes(wrong, "vmflex-node", "get", "virtualmachines.vm.neon.tech", "-A");
        yes(wrong, "vmflex-node", "list", "virtualmachines.vm.neon.tech", "-A");
        yes(wrong, "vmflex-node", "watch", "virtualmachines.vm.neon.tech", "-A");
        yes(wrong, "vmflex-node", "patch", "virtualmachines.vm.neon.tech", "-n", "demo");
        yes(wrong, "vmflex-node", "update", "virtualmachines.vm.neon.tech", "--subresource=status", "-n", "demo");
        yes(wrong, "vmflex-node", "create", "events", "-n", "demo");
        yes(wrong, "vmflex-node", "patch", "events", "-n", "demo");
        no(wrong, "vmflex-node", "update", "virtualmachines.vm.neon.tech", "-n", "demo");
        // issue 18: VirtualMachineMigrations, the Nodes' annotations, status.node of a moved VM, the cluster secret
        yes(wrong, "vmflex-node", "watch", "virtualmachinemigrations.vm.neon.tech", "-A");
        yes(wrong, "vmflex-node", "update", "virtualmachinemigrations.vm.neon.tech", "--subresource=status", "-n", "demo");
        yes(wrong, "vmflex-node", "patch", "virtualmachines.vm.neon.tech", "--subresource=status", "-n", "demo");
        yes(wrong, "vmflex-node", "get", "nodes/node-1");
        yes(wrong, "vmflex-node", "list", "nodes");
        yes(wrong, "vmflex-node", "patch", "nodes/node-1");
        yes(wrong, "vmflex-node", "get", "secrets/vmflex-cluster", "-n", "vmflex-system");
        no(wrong, "vmflex-node", "get", "secrets/vmflex-webhook-tls", "-n", "vmflex-system");
        no(wrong, "vmflex-node", "get", "secrets/vmflex-cluster", "-n", "demo");
        no(wrong, "vmflex-node", "list", "secrets", "-n", "vmflex-system");
        no(wrong, "vmflex-node", "create", "virtualmachinemigrations.vm.neon.tech", "-n", "demo");
        no(wrong, "vmflex-node", "update", "virtualmachinemigrations.vm.neon.tech", "-n", "demo");
        no(wrong, "vmflex-node", "delete", "virtualmachines.vm.neon.tech", "-n", "demo");
        no(wrong, "vmflex-node", "create", "virtualmachines.vm.neon.tech", "-n", "demo");
        no(wrong, "vmflex-node", "delete", "nodes/node-1");
        no(wrong, "vmflex-node", "get", "secrets", "-n", "demo");
        no(wrong, "vmflex-node", "create", "pods/exec", "-n", "demo");
        // scheduler
        yes(wrong, "vmflex-scheduler", "list", "virtualmachines.vm.neon.tech", "-A");
        yes(wrong, "vmflex-scheduler", "watch", "virtualmachines.vm.neon.tech", "-A");
        yes(wrong, "vmflex-scheduler", "get", "virtualmachines.vm.neon.tech", "-n", "demo");
        yes(wrong, "vmflex-scheduler", "patch", "virtualmachines.vm.neon.tech", "-n", "demo");
        yes(wrong, "vmflex-scheduler", "patch", "virtualmachines.vm.neon.tech", "--subresource=status", "-n", "demo");
        no(wrong, "vmflex-scheduler", "update", "virtualmachines.vm.neon.tech", "--subresource=status", "-n", "demo");
        yes(wrong, "vmflex-scheduler", "list", "nodes");
        yes(wrong, "vmflex-scheduler", "watch", "nodes");
        yes(wrong, "vmflex-scheduler", "list", "pods", "-A");
        yes(wrong, "vmflex-scheduler", "watch", "pods", "-A");
        yes(wrong, "vmflex-scheduler", "get", "leases.coordination.k8s.io", "-n", "vmflex-system");
        yes(wrong, "vmflex-scheduler", "create", "leases.coordination.k8s.io", "-n", "vmflex-system");
        yes(wrong, "vmflex-scheduler", "patch", "leases.coordination.k8s.io", "-n", "vmflex-system");
        no(wrong, "vmflex-scheduler", "delete", "leases.coordination.k8s.io", "-n", "vmflex-system");
        yes(wrong, "vmflex-scheduler", "create", "events", "-n", "demo");
        yes(wrong, "vmflex-scheduler", "patch", "events", "-n", "demo");
        no(wrong, "vmflex-scheduler", "update", "virtualmachines.vm.neon.tech", "-n", "demo");
        no(wrong, "vmflex-scheduler", "delete", "virtualmachines.vm.neon.tech", "-n", "demo");
        no(wrong, "vmflex-scheduler", "create", "leases.coordination.k8s.io", "-n", "kube-system");
        no(wrong, "vmflex-scheduler", "update", "nodes/node-1");
        no(wrong, "vmflex-scheduler", "create", "pods/binding", "-n", "demo");
        no(wrong, "vmflex-scheduler", "get", "secrets", "-n", "vmflex-system");
        // webhook
        yes(wrong, "vmflex-webhook", "get", "validatingwebhookconfigurations/vmflex-webhook");
        yes(wrong, "vmflex-webhook", "update", "validatingwebhookconfigurations/vmflex-webhook");
        yes(wrong, "vmflex-webhook", "get", "secrets/vmflex-webhook-tls", "-n", "vmflex-system");
        yes(wrong, "vmflex-webhook", "update", "secrets/vmflex-webhook-tls", "-n", "vmflex-system");
        yes(wrong, "vmflex-webhook", "create", "events", "-n", "demo");
        no(wrong, "vmflex-webhook", "create", "validatingwebhookconfigurations");
        no(wrong, "vmflex-webhook", "update", "validatingwebhookconfigurations/other");
        no(wrong, "vmflex-webhook", "update", "mutatingwebhookconfigurations/vmflex-webhook");
        no(wrong, "vmflex-webhook", "list", "secrets", "-n", "vmflex-system");
        no(wrong, "vmflex-webhook", "get", "secrets/other", "-n", "vmflex-system");
        no(wrong, "vmflex-webhook", "get", "secrets/vmflex-webhook-tls", "-n", "default");
        no(wrong, "vmflex-webhook", "create", "secrets", "-n", "vmflex-system");
        no(wrong, "vmflex-webhook", "get", "virtualmachines.vm.neon.tech", "-n", "demo");
        no(wrong, "vmflex-webhook", "create", "pods/exec", "-n", "vmflex-system");
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void shouldRunTheWebhookWithItsServiceAccountAloneAndUseEveryRuleItIsGiven() throws Exception {
        ApiServerFixtures.namespace(kube, "deploy-it");
        Set<String> used = ConcurrentHashMap.newKeySet();
        int port = ApiServerFixtures.freePort();
        URI url = URI.create("https://127.0.0.1:" + port + WebhookEndpoint.PATH);
        WebhookSettings settings = WebhookSettings.defaults(new WebhookEndpoint.Url(url));
        try (KubernetesClient asWebhook = impersonating(SA + "vmflex-webhook", used);
             Webhook webhook = Webhook.start(asWebhook, settings, new InetSocketAddress("127.0.0.1", port), Clock.systemUTC())) {
            // It wrote the shipped configuration: url and caBundle.
            assertEquals(url.toString(), kube.kubectl("get", "validatingwebhookconfiguration", WebhookSettings.CONFIGURATION,
                    "-o", "jsonpath={.webhooks[0].clientConfig.url}").orFail());
            // failurePolicy Ignore: until the API server uses the new configuration, VMs pass unjudged.
            ApiServerFixtures.awaitJudging(kube, "deploy-it");
            kube.kubectlWithInput(ApiServerFixtures.computeNode("deploy-it", "ok", "1"), "apply", "-f", "-").orFail();
            Kubectl.Result immutable = kube.kubectl("patch", "neonvm", "ok", "-n", "deploy-it", "--type=json",
                    "-p", "[{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/max\",\"value\":8}]");
            assertTrue(immutable.stderr().contains("denied the request: spec.guest.memorySlots.max: is immutable"),
                    immutable.stderr());
            Kubectl.Result refused = kube.kubectlWithInput(ApiServerFixtures.computeNode("deploy-it", "bad", "3"), "apply", "-f", "-");
            assertTrue(refused.stderr().contains("denied the request: spec.guest.cpus.use"), refused.stderr());
            await().atMost(30, TimeUnit.SECONDS).until(() -> used.contains("create events"));
            // A resync with nothing due serves what is stored.
            assertTrue(webhook.resyncNow().serving().sameCert(webhook.serving()));
        }
        Set<String> granted = granted(DEPLOY.resolve("rbac/webhook.yaml"));
        assertEquals(granted, new TreeSet<>(used), "the webhook's rules and the requests it made differ");
    }

    @Test
    void shouldKeepWhatTheWebhookWroteWhenDeployIsReapplied() throws Exception {
        // As installed: reached through the Service the manifests ship (no pods answer it here, no calls are made).
        WebhookSettings settings = WebhookSettings.defaults(WebhookEndpoint.Service.parse("vmflex-system/vmflex-webhook"));
        try (KubernetesClient asWebhook = impersonating(SA + "vmflex-webhook", ConcurrentHashMap.newKeySet());
             Webhook webhook = Webhook.start(asWebhook, settings, new InetSocketAddress("127.0.0.1", 0), Clock.systemUTC())) {
            String caBundle = caBundle();
            assertFalse(caBundle.isEmpty());
            kube.kubectl("apply", "-k", DEPLOY.toString()).orFail();
            assertEquals(caBundle, caBundle(), "an upgrade's kubectl apply -k leaves the caBundle");
            CertState stored = CertState.fromSecretData(asWebhook.secrets().inNamespace("vmflex-system")
                    .withName(WebhookSettings.SECRET).get().getData());
            assertTrue(stored.serving().sameCert(webhook.serving()), "and the Secret's certificates");
        }
    }

    private static String caBundle() {
        return kube.kubectl("get", "validatingwebhookconfiguration", WebhookSettings.CONFIGURATION,
                "-o", "jsonpath={.webhooks[0].clientConfig.caBundle}").orFail();
    }

    /** "verb resource" for every verb and resource of every rule in the file's ClusterRoles and Roles. */
    private static Set<String> granted(Path rbac) throws Exception {
        Set<String> out = new TreeSet<>();
        try (MappingIterator<JsonNode> docs = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class)
                .readValues(Files.readString(rbac))) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (!doc.path("kind").asText().endsWith("Role")) {
                    continue;
                }
                for (JsonNode rule : doc.path("rules")) {
                    for (JsonNode verb : rule.path("verbs")) {
                        for (JsonNode resource : rule.path("resources")) {
                            out.add(verb.asText() + " " + resource.asText());
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The admin's kubeconfig acting as {@code user} (RBAC judges the service account), recording "verb resource" of each request. */
    private static KubernetesClient impersonating(String user, Set<String> used) throws Exception {
        Config config = Config.fromKubeconfig(Files.readString(kube.kubeconfig()));
        config.setImpersonateUsername(user);
        config.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:vmflex-system", "system:authenticated");
        Interceptor recorder = new Interceptor() {
            @Override
            public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                used.add(verbAndResource(request.method(), request.uri()));
            }
        };
        return new KubernetesClientBuilder().withConfig(config)
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("record-verbs", recorder)).build();
    }

    /** {@code PUT /api/v1/namespaces/x/secrets/name} is "update secrets"; a POST to the collection "create". */
    static String verbAndResource(String method, URI uri) {
        String[] parts = uri.getPath().split("/");
        // /api/v1/... or /apis/group/version/...
        int i = parts[1].equals("api") ? 3 : 4;
        if (i < parts.length && parts[i].equals("namespaces") && parts.length > i + 2) {
            i += 2;
        }
        String resource = parts[i];
        boolean named = parts.length > i + 1;
        String verb = switch (method) {
            case "GET" -> named ? "get" : (uri.getQuery() != null && uri.getQuery().contains("watch=true") ? "watch" : "list");
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> method;
        };
        return verb + " " + resource;
    }

    private static void yes(List<String> wrong, String sa, String... args) {
        canI(wrong, true, sa, args);
    }

    private static void no(List<String> wrong, String sa, String... args) {
        canI(wrong, false, sa, args);
    }

    private static void canI(List<String> wrong, boolean expected, String sa, String... args) {
        List<String> command = new ArrayList<>(List.of("auth", "can-i"));
        command.addAll(List.of(args));
        command.add("--as=" + SA + sa);
        Kubectl.Result result = kube.kubectl(command.toArray(String[]::new));
        String answer = result.stdout().strip();
        if (!answer.equals(expected ? "yes" : "no")) {
            wrong.add(sa + ": can-i " + String.join(" ", args) + " -> " + answer + " " + result.stderr().strip()
                    + " (expected " + (expected ? "yes" : "no") + ")");
        }
    }
}
