package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.soabase.recordbuilder.core.RecordBuilder;

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
@RecordBuilder
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
        JsonNode managedFields) implements ObjectMetaBuilder.With {

    public ObjectMeta {
        labels = Copies.map(labels);
        annotations = Copies.map(annotations);
        finalizers = Copies.list(finalizers);
    }

    public static ObjectMeta named(String name) {
        return new ObjectMeta(name, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

}
