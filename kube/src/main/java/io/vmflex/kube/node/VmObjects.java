package io.vmflex.kube.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmflex.api.vm.VirtualMachine;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The VirtualMachine objects of the API, as the node controller reads and writes them: an informer
 * over the objects bound to this node (label {@code vmflex.io/node=<node>}, every namespace), and the
 * three writes the node makes, each conditional on the resourceVersion it read (a stale one is a
 * {@link Conflict}; the caller reads again and decides again).
 *
 * <p>Thread-safe (fabric8's client is).
 */
final class VmObjects {
    static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup(VirtualMachine.GROUP).withVersion("v1").withKind(VirtualMachine.KIND)
            .withPlural("virtualmachines").withNamespaced(true).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The object changed since it was read: read it again. */
    static final class Conflict extends Exception {
        Conflict(String message) {
            super(message);
        }
    }

    private final KubernetesClient client;
    private final String node;

    VmObjects(KubernetesClient client, String node) {
        this.client = client;
        this.node = node;
    }

    /** Not started yet: the caller starts it. Relists every {@code resync} (each object is handed to the handler again). */
    SharedIndexInformer<GenericKubernetesResource> informer(ResourceEventHandler<GenericKubernetesResource> handler, Duration resync) {
        SharedIndexInformer<GenericKubernetesResource> informer = client.genericKubernetesResources(CONTEXT).inAnyNamespace()
                .withLabel(Ownership.NODE_LABEL, node).runnableInformer(resync.toMillis());
        informer.addEventHandler(handler);
        return informer;
    }

    static KubeVm toKubeVm(GenericKubernetesResource object) {
        return KubeVm.of(JSON.valueToTree(object));
    }

    /** The object as the API has it now, whatever its labels. */
    Optional<GenericKubernetesResource> get(ObjectKey key) {
        return Optional.ofNullable(resource(key).get());
    }

    /** Adds the node's finalizer, keeping the others. */
    GenericKubernetesResource addFinalizer(KubeVm object) throws Conflict {
        ArrayNode finalizers = JSON.createArrayNode();
        object.finalizers().forEach(finalizers::add);
        finalizers.add(Ownership.FINALIZER);
        return patchMetadata(object, finalizers);
    }

    GenericKubernetesResource removeFinalizer(KubeVm object) throws Conflict {
        ArrayNode finalizers = JSON.createArrayNode();
        object.finalizers().stream().filter(f -> !f.equals(Ownership.FINALIZER)).forEach(finalizers::add);
        return patchMetadata(object, finalizers);
    }

    /**
     * A merge patch of the whole finalizer list, with the resourceVersion it was computed from: the
     * API server refuses it (409) when someone changed the object since, so nobody's finalizer is lost.
     */
    private GenericKubernetesResource patchMetadata(KubeVm object, ArrayNode finalizers) throws Conflict {
        ObjectNode patch = JSON.createObjectNode();
        ObjectNode meta = patch.putObject("metadata");
        meta.put("resourceVersion", object.resourceVersion());
        meta.set("finalizers", finalizers);
        try {
            return resource(object.key()).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        } catch (KubernetesClientException e) {
            throw conflictOr(e, object);
        }
    }

    /** Replaces the status through the status subresource, conditional on {@code read}'s resourceVersion. */
    GenericKubernetesResource writeStatus(GenericKubernetesResource read, ObjectNode status) throws Conflict {
        GenericKubernetesResource copy = client.getKubernetesSerialization().convertValue(read, GenericKubernetesResource.class);
        copy.setAdditionalProperty("status", JSON.convertValue(status, Map.class));
        KubeVm object = toKubeVm(read);
        try {
            return client.genericKubernetesResources(CONTEXT).inNamespace(object.key().namespace()).resource(copy).updateStatus();
        } catch (KubernetesClientException e) {
            throw conflictOr(e, object);
        }
    }

    private Resource<GenericKubernetesResource> resource(ObjectKey key) {
        return client.genericKubernetesResources(CONTEXT).inNamespace(key.namespace()).withName(key.name());
    }

    private static Conflict conflictOr(KubernetesClientException e, KubeVm object) {
        if (e.getCode() == 409) {
            return new Conflict(object.key() + " changed since resourceVersion " + object.resourceVersion());
        }
        throw e;
    }

    static JsonNode status(GenericKubernetesResource object) {
        Object s = object.getAdditionalProperties().get("status");
        return s == null ? null : JSON.valueToTree(s);
    }
}
