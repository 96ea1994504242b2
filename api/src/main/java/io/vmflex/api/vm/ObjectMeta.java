package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes object metadata, the subset a VM manifest or a {@code kubectl get -o yaml} output
 * carries. ownerReferences and managedFields are kept as JSON trees. Immutable.
 *
 * @param name       a DNS-1123 label (at most 63 characters)
 * @param generation incremented by the server on every spec change
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ObjectMeta(
        String name,
        String generateName,
        String namespace,
        String uid,
        String resourceVersion,
        Long generation,
        Instant creationTimestamp,
        Instant deletionTimestamp,
        Long deletionGracePeriodSeconds,
        Map<String, String> labels,
        Map<String, String> annotations,
        List<String> finalizers,
        JsonNode ownerReferences,
        JsonNode managedFields) {

    public ObjectMeta {
        labels = Copies.map(labels);
        annotations = Copies.map(annotations);
        finalizers = Copies.list(finalizers);
    }

    public static ObjectMeta named(String name) {
        return new ObjectMeta(name, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public ObjectMeta withName(String newName) {
        return new ObjectMeta(newName, generateName, namespace, uid, resourceVersion, generation, creationTimestamp,
                deletionTimestamp, deletionGracePeriodSeconds, labels, annotations, finalizers, ownerReferences,
                managedFields);
    }

    public ObjectMeta withNamespace(String newNamespace) {
        return new ObjectMeta(name, generateName, newNamespace, uid, resourceVersion, generation, creationTimestamp,
                deletionTimestamp, deletionGracePeriodSeconds, labels, annotations, finalizers, ownerReferences,
                managedFields);
    }

    public ObjectMeta withUid(String newUid) {
        return new ObjectMeta(name, generateName, namespace, newUid, resourceVersion, generation, creationTimestamp,
                deletionTimestamp, deletionGracePeriodSeconds, labels, annotations, finalizers, ownerReferences,
                managedFields);
    }

    public ObjectMeta withResourceVersion(String newResourceVersion) {
        return new ObjectMeta(name, generateName, namespace, uid, newResourceVersion, generation, creationTimestamp,
                deletionTimestamp, deletionGracePeriodSeconds, labels, annotations, finalizers, ownerReferences,
                managedFields);
    }

    public ObjectMeta withGeneration(Long newGeneration) {
        return new ObjectMeta(name, generateName, namespace, uid, resourceVersion, newGeneration, creationTimestamp,
                deletionTimestamp, deletionGracePeriodSeconds, labels, annotations, finalizers, ownerReferences,
                managedFields);
    }

    public ObjectMeta withCreationTimestamp(Instant newTimestamp) {
        return new ObjectMeta(name, generateName, namespace, uid, resourceVersion, generation, newTimestamp,
                deletionTimestamp, deletionGracePeriodSeconds, labels, annotations, finalizers, ownerReferences,
                managedFields);
    }

    public ObjectMeta withDeletionTimestamp(Instant newTimestamp) {
        return new ObjectMeta(name, generateName, namespace, uid, resourceVersion, generation, creationTimestamp,
                newTimestamp, deletionGracePeriodSeconds, labels, annotations, finalizers, ownerReferences,
                managedFields);
    }

    public ObjectMeta withLabels(Map<String, String> newLabels) {
        return new ObjectMeta(name, generateName, namespace, uid, resourceVersion, generation, creationTimestamp,
                deletionTimestamp, deletionGracePeriodSeconds, newLabels, annotations, finalizers, ownerReferences,
                managedFields);
    }

    public ObjectMeta withAnnotations(Map<String, String> newAnnotations) {
        return new ObjectMeta(name, generateName, namespace, uid, resourceVersion, generation, creationTimestamp,
                deletionTimestamp, deletionGracePeriodSeconds, labels, newAnnotations, finalizers, ownerReferences,
                managedFields);
    }
}
