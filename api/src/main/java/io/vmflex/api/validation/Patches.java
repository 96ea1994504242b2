package io.vmflex.api.validation;

import com.fasterxml.jackson.core.JacksonException;
import io.vmflex.api.json.JsonErrorText;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.github.fge.jsonpatch.JsonPatch;
import com.github.fge.jsonpatch.JsonPatchException;
import com.github.fge.jsonpatch.mergepatch.JsonMergePatch;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;

import java.io.IOException;

/**
 * Applies RFC 6902 JSON Patch and RFC 7386 JSON Merge Patch documents to a VirtualMachine
 * (the two patch types of the admin API's {@code PATCH /v1/vms/{name}}), through
 * java-json-tools' json-patch.
 *
 * <p>The patched document goes back through the strict parser ({@link Manifests#fromTree}), so a
 * patch that sets a wrong type or an unknown field fails with the field's path. Rules between
 * fields (bounds, immutability) are not checked here: call
 * {@link VmValidator#validateUpdate} on the result.
 *
 * <p>Stateless and thread-safe.
 */
public final class Patches {

    private Patches() {
    }

    /**
     * Applies a JSON Patch (a JSON array of operations), operation by operation so that a failure
     * names the operation: {@code patch operation 1 (test /spec/guest/cpus/use): ...}.
     *
     * @throws InvalidSpecException if the patch is malformed, an operation fails, or the result is
     *                              not a well-formed VirtualMachine
     */
    public static VirtualMachine jsonPatch(VirtualMachine vm, byte[] patch) {
        ObjectMapper mapper = ApiMapper.json();
        JsonNode ops = readPatch(patch);
        if (!ops.isArray()) {
            throw new InvalidSpecException("", "a JSON patch must be a list of operations");
        }
        JsonNode doc = Manifests.toTree(vm);
        for (int i = 0; i < ops.size(); i++) {
            JsonNode op = ops.get(i);
            String what = "patch operation " + i;
            if (op.isObject() && op.path("op").isTextual() && op.path("path").isTextual()) {
                what += " (" + op.get("op").asText() + " " + op.get("path").asText() + ")";
            }
            JsonPatch single;
            try {
                ArrayNode one = mapper.createArrayNode().add(op);
                single = JsonPatch.fromJson(one);
            } catch (IOException e) {
                throw new InvalidSpecException("", what + ": not a valid operation: "
                        + JsonErrorText.oneLine(originalMessage(e)), e);
            }
            try {
                doc = single.apply(doc);
            } catch (JsonPatchException e) {
                throw new InvalidSpecException("", what + ": " + JsonErrorText.oneLine(e.getMessage()), e);
            }
        }
        return Manifests.fromTree(doc);
    }

    /**
     * Applies a JSON Merge Patch: objects merge recursively, {@code null} removes a field, any
     * other value (lists included) replaces.
     *
     * @throws InvalidSpecException if the patch is not JSON or the result is not a well-formed
     *                              VirtualMachine
     */
    public static VirtualMachine mergePatch(VirtualMachine vm, byte[] patch) {
        JsonNode patchNode = readPatch(patch);
        if (!patchNode.isObject()) {
            throw new InvalidSpecException("", "a merge patch must be a JSON object");
        }
        try {
            return Manifests.fromTree(JsonMergePatch.fromJson(patchNode).apply(Manifests.toTree(vm)));
        } catch (JsonPatchException e) {
            throw new InvalidSpecException("", "merge patch failed: " + JsonErrorText.oneLine(e.getMessage()), e);
        }
    }

    private static JsonNode readPatch(byte[] patch) {
        try {
            JsonNode node = ApiMapper.json().readTree(patch);
            if (node == null || node.isMissingNode()) {
                throw new InvalidSpecException("", "empty patch");
            }
            return node;
        } catch (JacksonException e) {
            throw new InvalidSpecException("", "malformed JSON patch: " + JsonErrorText.oneLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new InvalidSpecException("", "unreadable patch: " + e.getMessage(), e);
        }
    }

    private static String originalMessage(IOException e) {
        return e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
    }
}
