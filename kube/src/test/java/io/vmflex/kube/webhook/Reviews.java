package io.vmflex.kube.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** AdmissionReviews as the API server sends them, built from the test manifests. */
final class Reviews {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path COMPUTE_NODE = Path.of("src/test/resources/vm-compute-node.yaml");

    private Reviews() {
    }

    /** The compute-node VM with what the server adds to an object it stores. */
    static ObjectNode storedVm() {
        try {
            ObjectNode vm = (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(Files.readString(COMPUTE_NODE));
            ObjectNode meta = (ObjectNode) vm.get("metadata");
            meta.put("uid", "0b1e6a3e-5a0c-4a8e-9d0f-3f3c2c1b0a99");
            meta.put("resourceVersion", "42");
            meta.put("generation", 1);
            meta.put("creationTimestamp", "2026-12-06T08:00:00Z");
            meta.put("selfLink", "/apis/vm.neon.tech/v1/namespaces/demo/virtualmachines/vm-compute-node");
            meta.putArray("managedFields").addObject().put("manager", "kubectl-client-side-apply").put("operation", "Update");
            return vm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode review(String apiVersion, String operation, JsonNode object, JsonNode oldObject) {
        ObjectNode root = JSON.createObjectNode();
        root.put("apiVersion", apiVersion);
        root.put("kind", "AdmissionReview");
        ObjectNode request = root.putObject("request");
        request.put("uid", "705ab4f5-6393-11e8-b7cc-42010a800002");
        request.putObject("kind").put("group", "vm.neon.tech").put("version", "v1").put("kind", "VirtualMachine");
        request.putObject("resource").put("group", "vm.neon.tech").put("version", "v1").put("resource", "virtualmachines");
        request.put("name", "vm-compute-node");
        request.put("namespace", "demo");
        request.put("operation", operation);
        request.putObject("userInfo").put("username", "admin");
        request.set("object", object);
        request.set("oldObject", oldObject);
        request.put("dryRun", false);
        return root;
    }

    static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    static AdmissionRequest request(String operation, JsonNode object, JsonNode oldObject) {
        return AdmissionReviewCodec.parse(bytes(review(AdmissionReviewCodec.V1, operation, object, oldObject)));
    }

    static ObjectNode at(ObjectNode root, String... path) {
        ObjectNode node = root;
        for (String p : path) {
            node = (ObjectNode) node.get(p);
        }
        return node;
    }
}
