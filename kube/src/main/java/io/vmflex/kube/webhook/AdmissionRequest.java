package io.vmflex.kube.webhook;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The part of an AdmissionReview's request the webhook judges. Immutable.
 *
 * @param apiVersion  {@code admission.k8s.io/v1} or {@code v1beta1}: the answer uses the same
 * @param operation   CREATE, UPDATE, DELETE or CONNECT
 * @param subResource empty for the object itself ({@code status} for the status subresource)
 * @param object      the object as it would be stored; null for DELETE
 * @param oldObject   the stored object for UPDATE; null otherwise
 */
public record AdmissionRequest(String apiVersion, String uid, String operation, String group, String resource,
                               String subResource, String namespace, String name, boolean dryRun,
                               JsonNode object, JsonNode oldObject) {
}
