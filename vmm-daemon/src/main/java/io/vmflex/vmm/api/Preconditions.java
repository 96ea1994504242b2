package io.vmflex.vmm.api;

import io.vmflex.api.vm.ObjectMeta;
import io.vmflex.vmm.http.ApiException;

/**
 * Optimistic concurrency as Kubernetes has it: a caller that sends {@code metadata.resourceVersion}
 * (in a replaced VM, or left in or set by a patch) changes the VM only if it is still at that version,
 * and one that sends {@code metadata.uid} only if it is still that VM (not one deleted and created
 * again under the same name). A mismatch is a 409 Conflict and changes nothing; a caller that sends
 * neither changes the VM unconditionally.
 *
 * <p>Pure; called on the VM's owner thread with the VM as it is at that moment.
 */
final class Preconditions {
    private Preconditions() {
    }

    /**
     * @param current what the VM's metadata is now
     * @param asked   the metadata the caller sent, or what its patch made of {@code current}'s
     * @throws ApiException 409 when the caller's uid or resourceVersion is not the VM's
     */
    static void check(ObjectMeta current, ObjectMeta asked) {
        String what = "virtualmachine \"" + current.name() + "\"";
        if (given(asked.uid()) && !asked.uid().equals(current.uid())) {
            throw ApiException.conflict(what + " has uid " + current.uid() + ", not " + asked.uid()
                    + ": the VM was deleted and created again; get it again and reapply your change");
        }
        if (given(asked.resourceVersion()) && !asked.resourceVersion().equals(current.resourceVersion())) {
            throw ApiException.conflict(what + " was modified: it is at resourceVersion " + current.resourceVersion()
                    + ", the request expected " + asked.resourceVersion() + "; get it again and reapply your change");
        }
    }

    /** As in Kubernetes, an empty value is no precondition. */
    private static boolean given(String value) {
        return value != null && !value.isEmpty();
    }
}
