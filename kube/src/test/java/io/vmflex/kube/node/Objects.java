package io.vmflex.kube.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.vm.VirtualMachine;

/** VirtualMachine objects as the API server would serve them, for the controller's pure tests. */
final class Objects {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Objects() {
    }

    static ObjectNode object(String namespace, String name, String uid, String cpusUse) {
        try {
            return (ObjectNode) JSON.readTree("""
                    {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine",
                     "metadata":{"namespace":"%s","name":"%s","uid":"%s","resourceVersion":"7","generation":1,
                       "labels":{"vmflex.io/node":"node-1"},
                       "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{...}"}},
                     "spec":{"guest":{"cpus":{"min":1,"use":%s,"max":4},"memorySlotSize":"128Mi",
                       "memorySlots":{"min":2,"use":2,"max":8},"rootDisk":{"image":"test"}}}}
                    """.formatted(namespace, name, uid, cpusUse));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static KubeVm kubeVm(ObjectNode object) {
        return KubeVm.of(object);
    }

    static ObjectNode withFinalizer(ObjectNode object) {
        ((ObjectNode) object.get("metadata")).putArray("finalizers").add("other.io/keep").add(Ownership.FINALIZER);
        return object;
    }

    static ObjectNode deleting(ObjectNode object) {
        ((ObjectNode) object.get("metadata")).put("deletionTimestamp", "2026-12-06T08:00:00Z");
        return object;
    }

    static KubeVm ours(String cpusUse) {
        return kubeVm(withFinalizer(object("demo", "vm-a", "uid-1", cpusUse)));
    }

    /** The VM the daemon runs for {@code object}, as the controller made it. */
    static VirtualMachine localOf(KubeVm object) {
        return ((DesiredVm.Valid) DesiredVm.of(object)).vm();
    }

    static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
