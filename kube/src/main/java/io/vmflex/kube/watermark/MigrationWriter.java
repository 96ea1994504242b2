package io.vmflex.kube.watermark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.VirtualMachineMigrationSpec;
import io.vmflex.kube.crd.NeonVmm;
import io.vmflex.kube.placement.VmWriter.Outcome;

import java.util.Map;

/**
 * The scheduler's writes of VirtualMachineMigrations: creating one (generateName {@code <vm>-}, the
 * scheduler's labels, {@code spec.vmName}, {@code spec.targetNode}) and, for one a person made without
 * a target, {@code status.targetNode} or phase Failed with a message. Status writes are merge patches of
 * only those fields through the status subresource, guarded by the resourceVersion decided on, so they
 * never overwrite what the node daemon wrote meanwhile. Thread-safe (stateless over the client).
 */
public final class MigrationWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;

    public MigrationWriter(KubernetesClient client) {
        this.client = client;
    }

    /** How a create ended. */
    public sealed interface Created {
        record Written(String name) implements Created {
        }

        /** The API refused it (4xx): nothing was made. */
        record Refused(String message) implements Created {
        }

        /** No answer or a 5xx: it may or may not exist. */
        record Unknown(String message) implements Created {
        }
    }

    public Created create(String namespace, String vmName, String target) {
        return create(namespace, vmName, target, null);
    }

    /** @param bandwidth {@code spec.maxBandwidth}, null to leave it to the node daemon */
    public Created create(String namespace, String vmName, String target, ByteQuantity bandwidth) {
        NeonVmm object = watermarkMigration(namespace, vmName, target, bandwidth);
        try {
            NeonVmm made = client.resources(NeonVmm.class).inNamespace(namespace).resource(object).create();
            return new Created.Written(made.getMetadata().getName());
        } catch (KubernetesClientException e) {
            int code = e.getCode();
            return code >= 400 && code < 500 ? new Created.Refused(code + " " + e.getMessage())
                    : new Created.Unknown(code + " " + e.getMessage());
        }
    }

    /** The object a watermark migration of {@code vmName} to {@code target} is created as (name generated). */
    static NeonVmm watermarkMigration(String namespace, String vmName, String target, ByteQuantity bandwidth) {
        NeonVmm object = new NeonVmm();
        object.setMetadata(new ObjectMetaBuilder().withGenerateName(vmName + "-").withNamespace(namespace)
                .withLabels(Map.of(MigrationContract.CREATED_BY_LABEL, MigrationContract.CREATED_BY,
                        MigrationContract.REASON_LABEL, MigrationContract.REASON_WATERMARK))
                .build());
        object.setSpec(new VirtualMachineMigrationSpec(vmName, null, null, null, null, null, null, null, bandwidth, null,
                target, null, null, null, null));
        return object;
    }

    /** Writes {@code status.targetNode} on {@code m} as decided on. */
    public Outcome assignTarget(MigrationInfo m, String node) {
        ObjectNode patch = guarded(m);
        patch.putObject("status").put("targetNode", node);
        return patchStatus(m, patch);
    }

    /** Ends {@code m} as decided on: phase Failed, {@code message}. */
    public Outcome fail(MigrationInfo m, String message) {
        ObjectNode patch = guarded(m);
        patch.putObject("status").put("phase", "Failed").put("message", message);
        return patchStatus(m, patch);
    }

    private static ObjectNode guarded(MigrationInfo m) {
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("metadata").put("resourceVersion", m.resourceVersion());
        return patch;
    }

    private Outcome patchStatus(MigrationInfo m, ObjectNode patch) {
        try {
            NeonVmm written = resource(m).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
            return new Outcome.Written(written.getMetadata().getResourceVersion());
        } catch (KubernetesClientException e) {
            return switch (e.getCode()) {
                case 409 -> new Outcome.Stale();
                case 404 -> new Outcome.Gone();
                default -> new Outcome.Failed(e.getCode() + " " + e.getMessage());
            };
        }
    }

    /** With a stand-in item, so fabric8 does not GET the object before patching it. */
    private Resource<NeonVmm> resource(MigrationInfo m) {
        NeonVmm item = new NeonVmm();
        item.setMetadata(new ObjectMetaBuilder().withName(m.name()).withNamespace(m.namespace()).build());
        return client.resources(NeonVmm.class).inNamespace(m.namespace()).resource(item);
    }
}
