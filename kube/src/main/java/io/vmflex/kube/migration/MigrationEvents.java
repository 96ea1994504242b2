package io.vmflex.kube.migration;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.UUID;

/**
 * core/v1 Events on a VirtualMachineMigration ({@code source.component: vmflex-node}): started, succeeded,
 * failed. A migration has a handful, so each is one create; a failure to record one is logged, never fatal.
 */
final class MigrationEvents {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationEvents.class);

    private MigrationEvents() {
    }

    static void record(KubernetesClient client, GenericKubernetesResource vmm, String node, boolean warning, String reason,
            String message, Instant at) {
        String ns = vmm.getMetadata().getNamespace();
        String time = at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        Event event = new EventBuilder()
                .withNewMetadata().withNamespace(ns)
                .withName(vmm.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8)).endMetadata()
                .withNewInvolvedObject().withApiVersion(vmm.getApiVersion()).withKind("VirtualMachineMigration")
                .withNamespace(ns).withName(vmm.getMetadata().getName()).withUid(vmm.getMetadata().getUid()).endInvolvedObject()
                .withType(warning ? "Warning" : "Normal").withReason(reason)
                .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                .withNewSource().withComponent("vmflex-node").withHost(node).endSource()
                .withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(ns).resource(event).create();
        } catch (RuntimeException e) {
            LOG.debug("event {} on {}/{} not recorded: {}", reason, ns, vmm.getMetadata().getName(), e.toString());
        }
    }
}
