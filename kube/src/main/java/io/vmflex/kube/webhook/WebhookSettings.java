package io.vmflex.kube.webhook;

import java.time.Duration;
import java.util.Objects;

/**
 * How one webhook runs. Immutable.
 *
 * @param namespace     where its Secret lives ({@code vmflex-system})
 * @param secretName    the Secret holding its CAs and serving certificate
 * @param configName    the ValidatingWebhookConfiguration it keeps
 * @param endpoint      how the API server reaches it
 * @param failurePolicy {@code Ignore} (the default: see README "Admission webhook") or {@code Fail}
 * @param rotation      certificate lifetimes
 * @param resyncEvery   how often the Secret and the configuration are checked and repaired
 */
public record WebhookSettings(String namespace, String secretName, String configName, WebhookEndpoint endpoint,
                              FailurePolicy failurePolicy, RotationPolicy rotation, Duration resyncEvery) {

    public static final String NAMESPACE = "vmflex-system";
    public static final String SECRET = "vmflex-webhook-tls";
    public static final String CONFIGURATION = "vmflex-webhook";
    /** The webhook's name inside the configuration (kubectl prints it in a denial). */
    public static final String WEBHOOK_NAME = "virtualmachines.vmflex.io";
    public static final int TIMEOUT_SECONDS = 5;

    /** What the API server does when it cannot reach the webhook. */
    public enum FailurePolicy { Ignore, Fail }

    public WebhookSettings {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(secretName, "secretName");
        Objects.requireNonNull(configName, "configName");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(failurePolicy, "failurePolicy");
        Objects.requireNonNull(rotation, "rotation");
        if (resyncEvery.isNegative() || resyncEvery.isZero()) {
            throw new IllegalArgumentException("resync period must be positive");
        }
    }

    /** The defaults for {@code endpoint}. */
    public static WebhookSettings defaults(WebhookEndpoint endpoint) {
        return new WebhookSettings(NAMESPACE, SECRET, CONFIGURATION, endpoint, FailurePolicy.Ignore,
                RotationPolicy.DEFAULT, Duration.ofMinutes(1));
    }

    public WebhookSettings withFailurePolicy(FailurePolicy policy) {
        return new WebhookSettings(namespace, secretName, configName, endpoint, policy, rotation, resyncEvery);
    }

    public WebhookSettings withNamespace(String ns) {
        return new WebhookSettings(ns, secretName, configName, endpoint, failurePolicy, rotation, resyncEvery);
    }

    public WebhookSettings withRotation(RotationPolicy policy) {
        return new WebhookSettings(namespace, secretName, configName, endpoint, failurePolicy, policy, resyncEvery);
    }

    public WebhookSettings withResyncEvery(Duration every) {
        return new WebhookSettings(namespace, secretName, configName, endpoint, failurePolicy, rotation, every);
    }
}
