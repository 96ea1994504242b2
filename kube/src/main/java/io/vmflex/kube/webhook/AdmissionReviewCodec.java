package io.vmflex.kube.webhook;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;

/**
 * Reads AdmissionReview requests ({@code admission.k8s.io/v1} and {@code v1beta1}, the same shape) and
 * writes the answers. Strict about what it reads: one JSON object, no duplicate keys, nothing after
 * it, the fields it uses present with the right types; fields it does not use are ignored, as the API
 * server adds some in newer versions. Anything else is a {@link BadReviewException}. Thread-safe.
 */
public final class AdmissionReviewCodec {

    public static final String V1 = "admission.k8s.io/v1";
    public static final String V1BETA1 = "admission.k8s.io/v1beta1";
    private static final Set<String> VERSIONS = Set.of(V1, V1BETA1);
    private static final Set<String> OPERATIONS = Set.of("CREATE", "UPDATE", "DELETE", "CONNECT");

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private AdmissionReviewCodec() {
    }

    /** @throws BadReviewException naming what is wrong */
    public static AdmissionRequest parse(byte[] body) {
        JsonNode root;
        try (JsonParser parser = MAPPER.createParser(body)) {
            root = MAPPER.readTree(parser);
        } catch (JacksonException e) {
            throw new BadReviewException("malformed JSON: " + e.getOriginalMessage().replaceAll("\\s+", " "), e);
        } catch (java.io.IOException e) {
            throw new BadReviewException("unreadable body: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadReviewException("expected an AdmissionReview object");
        }
        String apiVersion = text(root, "apiVersion", "apiVersion", true);
        if (!VERSIONS.contains(apiVersion)) {
            throw new BadReviewException("apiVersion: must be " + V1 + " or " + V1BETA1 + ", got \"" + apiVersion + '"');
        }
        if (!"AdmissionReview".equals(text(root, "kind", "kind", true))) {
            throw new BadReviewException("kind: must be AdmissionReview");
        }
        JsonNode request = root.get("request");
        if (request == null || !request.isObject()) {
            throw new BadReviewException("request: required object");
        }
        String uid = text(request, "uid", "request.uid", true);
        if (uid.isEmpty()) {
            throw new BadReviewException("request.uid: must not be empty");
        }
        String operation = text(request, "operation", "request.operation", true);
        if (!OPERATIONS.contains(operation)) {
            throw new BadReviewException("request.operation: must be one of " + OPERATIONS + ", got \"" + operation + '"');
        }
        JsonNode resource = request.get("resource");
        if (resource == null || !resource.isObject()) {
            throw new BadReviewException("request.resource: required object");
        }
        JsonNode dryRun = request.get("dryRun");
        if (dryRun != null && !dryRun.isNull() && !dryRun.isBoolean()) {
            throw new BadReviewException("request.dryRun: expected a boolean");
        }
        return new AdmissionRequest(apiVersion, uid, operation,
                text(resource, "group", "request.resource.group", false),
                text(resource, "resource", "request.resource.resource", true),
                text(request, "subResource", "request.subResource", false),
                text(request, "namespace", "request.namespace", false),
                text(request, "name", "request.name", false),
                dryRun != null && dryRun.asBoolean(),
                object(request, "object"), object(request, "oldObject"));
    }

    /** The AdmissionReview answering {@code request}. */
    public static byte[] response(AdmissionRequest request, AdmissionDecision decision) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("apiVersion", request.apiVersion());
        root.put("kind", "AdmissionReview");
        ObjectNode response = root.putObject("response");
        response.put("uid", request.uid());
        switch (decision) {
            case AdmissionDecision.Allowed() -> response.put("allowed", true);
            case AdmissionDecision.Denied(int code, String reason, String message) -> {
                response.put("allowed", false);
                ObjectNode status = response.putObject("status");
                status.put("code", code);
                status.put("reason", reason);
                status.put("message", message);
            }
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write an AdmissionReview", e);
        }
    }

    private static String text(JsonNode node, String key, String path, boolean required) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            if (required) {
                throw new BadReviewException(path + ": required");
            }
            return "";
        }
        if (!value.isTextual()) {
            throw new BadReviewException(path + ": expected a string");
        }
        return value.textValue();
    }

    private static JsonNode object(JsonNode request, String key) {
        JsonNode value = request.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw new BadReviewException("request." + key + ": expected an object");
        }
        return value;
    }
}
