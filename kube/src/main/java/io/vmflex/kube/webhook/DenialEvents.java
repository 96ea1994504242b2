package io.vmflex.kube.webhook;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmflex.api.vm.VirtualMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * Records a refused update as a Warning Event on the VirtualMachine (source {@code vmflex-webhook}), so
 * {@code kubectl describe neonvm} shows why someone's change did not land. A refused create has no
 * object to attach an event to (kubectl already printed the reason). Written on a virtual thread of
 * its own: the admission answer never waits for it. Thread-safe.
 */
final class DenialEvents {

    static final String COMPONENT = "vmflex-webhook";
    private static final Logger LOG = LoggerFactory.getLogger(DenialEvents.class);

    private final KubernetesClient client;
    private final Clock clock;

    DenialEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    void denied(AdmissionRequest request, AdmissionDecision.Denied denied) {
        if (!"UPDATE".equals(request.operation()) || request.dryRun() || request.oldObject() == null) {
            return;
        }
        String uid = request.oldObject().path("metadata").path("uid").asText("");
        Thread.ofVirtual().name("webhook-event").start(() -> record(request, uid, denied.message()));
    }

    private void record(AdmissionRequest request, String uid, String message) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        try {
            client.v1().events().inNamespace(request.namespace()).resource(new EventBuilder()
                    .withNewMetadata().withName(request.name() + "." + UUID.randomUUID().toString().substring(0, 8))
                    .withNamespace(request.namespace()).endMetadata()
                    .withNewInvolvedObject().withApiVersion(VirtualMachine.API_VERSION).withKind(VirtualMachine.KIND)
                    .withNamespace(request.namespace()).withName(request.name()).withUid(uid.isEmpty() ? null : uid)
                    .endInvolvedObject()
                    .withType("Warning").withReason("UpdateRefused").withMessage(message)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warn("cannot record the refusal of {}/{} as an event: {}", request.namespace(), request.name(), e.getMessage());
        }
    }
}
