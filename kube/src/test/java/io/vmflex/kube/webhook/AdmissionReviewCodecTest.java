package io.vmflex.kube.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.vmflex.kube.webhook.Reviews.storedVm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdmissionReviewCodecTest {

    @Test
    void shouldAnswerInTheVersionAsked() throws Exception {
        for (String version : new String[] {AdmissionReviewCodec.V1, AdmissionReviewCodec.V1BETA1}) {
            AdmissionRequest request = AdmissionReviewCodec.parse(Reviews.bytes(Reviews.review(version, "CREATE", storedVm(), null)));
            JsonNode answer = Reviews.JSON.readTree(AdmissionReviewCodec.response(request,
                    new AdmissionDecision.Denied(422, "Invalid", "spec.guest.cpus.use: too big")));
            assertEquals(version, answer.path("apiVersion").asText());
            assertEquals("AdmissionReview", answer.path("kind").asText());
            assertEquals("705ab4f5-6393-11e8-b7cc-42010a800002", answer.path("response").path("uid").asText());
            assertFalse(answer.path("response").path("allowed").asBoolean(true));
            assertEquals(422, answer.path("response").path("status").path("code").asInt());
            assertEquals("spec.guest.cpus.use: too big", answer.path("response").path("status").path("message").asText());
        }
    }

    @Test
    void shouldRefuseGarbageWithOneLine() {
        assertEquals("expected an AdmissionReview object", bad("[1,2]"));
        assertTrue(bad("{\"apiVersion\":").startsWith("malformed JSON"));
        assertTrue(bad("not json at all").startsWith("malformed JSON"));
        assertTrue(bad("{\"a\":1}{\"b\":2}").startsWith("malformed JSON"));
        assertEquals("apiVersion: required", bad("{}"));
        assertTrue(bad("{\"apiVersion\":\"admission.k8s.io/v2\",\"kind\":\"AdmissionReview\"}").startsWith("apiVersion: must be"));
        assertEquals("request: required object", bad("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}"));
        assertTrue(bad("{\"apiVersion\":\"admission.k8s.io/v1\",\"apiVersion\":\"admission.k8s.io/v1\"}").contains("Duplicate field"));
    }

    @Test
    void shouldRefuseRequestFieldsOfTheWrongType() {
        ObjectNode review = Reviews.review(AdmissionReviewCodec.V1, "CREATE", storedVm(), null);
        ((ObjectNode) review.get("request")).put("uid", 5);
        assertEquals("request.uid: expected a string", bad(review.toString()));
        review = Reviews.review(AdmissionReviewCodec.V1, "PATCH", storedVm(), null);
        assertTrue(bad(review.toString()).startsWith("request.operation: must be one of"));
        review = Reviews.review(AdmissionReviewCodec.V1, "CREATE", storedVm(), null);
        ((ObjectNode) review.get("request")).put("object", "vm");
        assertEquals("request.object: expected an object", bad(review.toString()));
    }

    private static String bad(String body) {
        return assertThrows(BadReviewException.class,
                () -> AdmissionReviewCodec.parse(body.getBytes(StandardCharsets.UTF_8))).getMessage();
    }
}
