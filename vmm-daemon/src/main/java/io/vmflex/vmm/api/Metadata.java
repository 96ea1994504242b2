package io.vmflex.vmm.api;

import io.vmflex.api.vm.ObjectMeta;
import io.vmflex.api.vm.VirtualMachine;

import java.time.Instant;

/**
 * The server-owned parts of metadata, as a Kubernetes API server keeps them: uid and creation time
 * are set once; generation counts spec changes; resourceVersion starts at 1 and the VM's supervisor
 * counts it up with every stored change. Status in a request is ignored: status is observed.
 */
final class Metadata {
    private Metadata() {
    }

    static VirtualMachine stampCreated(VirtualMachine vm, String uid, Instant now) {
        ObjectMeta m = vm.metadata().withUid(uid).withCreationTimestamp(now).withGeneration(1L).withResourceVersion("1");
        return vm.withMetadata(m).withStatus(null);
    }

    static VirtualMachine stampUpdated(VirtualMachine current, VirtualMachine updated) {
        ObjectMeta cur = current.metadata();
        long previous = cur.generation() == null ? 1 : cur.generation();
        // As in Kubernetes: generation counts spec changes only; labels and annotations do not.
        long generation = java.util.Objects.equals(current.spec(), updated.spec()) ? previous : previous + 1;
        ObjectMeta m = updated.metadata()
                .withUid(cur.uid())
                .withCreationTimestamp(cur.creationTimestamp())
                .withGeneration(generation)
                // The supervisor stamps the next version as it stores the update.
                .withResourceVersion(cur.resourceVersion());
        return updated.withMetadata(m).withStatus(current.status());
    }
}
