package io.vmflex.kube.watermark;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.kube.placement.VmInfo;
import io.vmflex.kube.placement.VmNodeContract;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * core/v1 Events about watermark migrations from {@code vmflex-scheduler}: one on the VM and one on its
 * source Node (in {@code default}, where Events about cluster-scoped objects go) per migration created.
 * Each names its migration, so each is its own Event; one that cannot be written is logged and dropped.
 * Thread-safe.
 */
public final class WatermarkEvents {

    private static final Logger LOG = LoggerFactory.getLogger(WatermarkEvents.class);
    private static final String NODE_EVENTS_NAMESPACE = "default";

    private final KubernetesClient client;
    private final Clock clock;
    private final String instance;

    public WatermarkEvents(KubernetesClient client, Clock clock, String instance) {
        this.client = client;
        this.clock = clock;
        this.instance = instance;
    }

    /** A migration of {@code vm} off {@code node} was created: {@code message} says why and where. */
    public void migrationCreated(VmInfo vm, String node, String migration, String message) {
        ObjectReference onVm = new ObjectReferenceBuilder().withApiVersion(VirtualMachine.API_VERSION)
                .withKind(VirtualMachine.KIND).withNamespace(vm.namespace()).withName(vm.name()).withUid(vm.uid()).build();
        write(vm.namespace(), migration + ".vm", onVm, message);
        ObjectReference onNode = new ObjectReferenceBuilder().withApiVersion("v1").withKind("Node").withName(node).build();
        write(NODE_EVENTS_NAMESPACE, node + "." + vm.namespace() + "." + migration, onNode,
                "moving " + vm.key() + " (" + migration + "): " + message);
    }

    private void write(String namespace, String name, ObjectReference about, String message) {
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withName(name.length() > 253 ? name.substring(0, 253) : name).withNamespace(namespace).endMetadata()
                    .withInvolvedObject(about).withType("Normal").withReason(MigrationContract.EVENT_REASON).withMessage(message)
                    .withNewSource().withComponent(VmNodeContract.COMPONENT).endSource()
                    .withReportingComponent(VmNodeContract.COMPONENT).withReportingInstance(instance)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1).build()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                LOG.warn("event {} about {} {} not written: {}", MigrationContract.EVENT_REASON, about.getKind(), about.getName(),
                        e.getMessage());
            }
        }
    }
}
