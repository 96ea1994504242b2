package io.vmflex.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Builds test VMs from YAML text and JSON-pointer edits. */
final class TestVms {

    static final String VALID = """
            apiVersion: vm.neon.tech/v1
            kind: VirtualMachine
            metadata:
              name: example
            spec:
              guest:
                cpus: {min: 1, use: 2, max: 4}
                memorySlotSize: 1Gi
                memorySlots: {min: 1, use: 2, max: 4}
                rootDisk: {image: "vm-postgres:15-bullseye", size: 8Gi}
            """;

    private TestVms() {
    }

    static VirtualMachine valid() {
        return yaml(VALID);
    }

    static VirtualMachine yaml(String text) {
        return Manifests.parse(text.getBytes(StandardCharsets.UTF_8), true);
    }

    static byte[] resource(String name) {
        try (InputStream in = TestVms.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The valid VM with the value at a JSON pointer set (the parent must exist), or removed if value is null. */
    static VirtualMachine validWith(String pointer, Object value) {
        JsonNode tree = Manifests.toTree(valid());
        int slash = pointer.lastIndexOf('/');
        ObjectNode parent = (ObjectNode) tree.at(pointer.substring(0, slash));
        String key = pointer.substring(slash + 1);
        if (value == null) {
            parent.remove(key);
        } else {
            parent.set(key, ApiMapper.json().valueToTree(value));
        }
        return Manifests.fromTree(tree);
    }
}
