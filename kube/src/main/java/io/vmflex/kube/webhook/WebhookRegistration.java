package io.vmflex.kube.webhook;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperationsBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmflex.api.vm.VirtualMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.HttpURLConnection;
import java.util.List;
import java.util.Objects;

/**
 * Keeps the ValidatingWebhookConfiguration as the webhook needs it: one webhook for CREATE and UPDATE of
 * {@code virtualmachines.vm.neon.tech/v1}, pointing at this webhook's endpoint with the current caBundle.
 * Updates it only when what it owns differs (level-triggered), with the resourceVersion it read, so
 * replicas never overwrite each other blindly. Creates it when missing if its credentials allow
 * (deploy/ ships the configuration, so the installed webhook needs no create right). Thread-safe
 * as far as the client is.
 */
public final class WebhookRegistration {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookRegistration.class);

    private final KubernetesClient client;
    private final WebhookSettings settings;

    public WebhookRegistration(KubernetesClient client, WebhookSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** The webhook entry as this webhook wants it. */
    public ValidatingWebhook desired(String caBundlePem) {
        return new ValidatingWebhookBuilder()
                .withName(WebhookSettings.WEBHOOK_NAME)
                .withClientConfig(settings.endpoint().clientConfig(caBundlePem))
                .withRules(new RuleWithOperationsBuilder()
                        .withApiGroups(VirtualMachine.GROUP).withApiVersions("v1")
                        .withResources("virtualmachines").withOperations("CREATE", "UPDATE")
                        .withScope("Namespaced").build())
                .withFailurePolicy(settings.failurePolicy().name())
                .withMatchPolicy("Equivalent")
                .withSideEffects("None")
                .withTimeoutSeconds(WebhookSettings.TIMEOUT_SECONDS)
                .withAdmissionReviewVersions("v1", "v1beta1")
                .build();
    }

    /**
     * Makes the configuration match; returns true when it wrote it.
     *
     * @throws KubernetesClientException on an API failure other than a lost race (retried by the caller's next pass)
     */
    public boolean ensure(String caBundlePem) {
        ValidatingWebhook want = desired(caBundlePem);
        var resource = client.admissionRegistration().v1().validatingWebhookConfigurations().withName(settings.configName());
        ValidatingWebhookConfiguration current = resource.get();
        if (current == null) {
            try {
                client.admissionRegistration().v1().validatingWebhookConfigurations().resource(
                        new ValidatingWebhookConfigurationBuilder()
                                .withNewMetadata().withName(settings.configName())
                                .addToLabels("app.kubernetes.io/part-of", "vmflex").endMetadata()
                                .withWebhooks(want).build()).create();
                LOG.info("created ValidatingWebhookConfiguration {}", settings.configName());
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
                    throw new KubernetesClientException("ValidatingWebhookConfiguration " + settings.configName()
                            + " does not exist and this account may not create it: install it with kubectl apply -k deploy/", e);
                }
                if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                    return false; // another replica made it; the next pass checks its content
                }
                throw e;
            }
        }
        List<ValidatingWebhook> hooks = current.getWebhooks();
        if (hooks != null && hooks.size() == 1 && sameOwnedFields(hooks.getFirst(), want)) {
            return false;
        }
        current.setWebhooks(List.of(want));
        try {
            client.admissionRegistration().v1().validatingWebhookConfigurations().resource(current).update();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            throw e;
        }
        LOG.info("updated ValidatingWebhookConfiguration {} (clientConfig, caBundle, rules)", settings.configName());
        return true;
    }

    /** The fields this webhook sets; the server fills selectors and defaults that are not compared. */
    static boolean sameOwnedFields(ValidatingWebhook have, ValidatingWebhook want) {
        return Objects.equals(have.getName(), want.getName())
                && Objects.equals(have.getClientConfig().getUrl(), want.getClientConfig().getUrl())
                && Objects.equals(have.getClientConfig().getCaBundle(), want.getClientConfig().getCaBundle())
                && sameService(have, want)
                && Objects.equals(have.getRules(), want.getRules())
                && Objects.equals(have.getFailurePolicy(), want.getFailurePolicy())
                && Objects.equals(have.getMatchPolicy(), want.getMatchPolicy())
                && Objects.equals(have.getSideEffects(), want.getSideEffects())
                && Objects.equals(have.getTimeoutSeconds(), want.getTimeoutSeconds())
                && Objects.equals(have.getAdmissionReviewVersions(), want.getAdmissionReviewVersions());
    }

    private static boolean sameService(ValidatingWebhook have, ValidatingWebhook want) {
        var a = have.getClientConfig().getService();
        var b = want.getClientConfig().getService();
        if (a == null || b == null) {
            return a == b;
        }
        return Objects.equals(a.getNamespace(), b.getNamespace()) && Objects.equals(a.getName(), b.getName())
                && Objects.equals(a.getPath(), b.getPath()) && Objects.equals(a.getPort(), b.getPort());
    }
}
