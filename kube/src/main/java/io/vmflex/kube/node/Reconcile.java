package io.vmflex.kube.node;

import io.vmflex.api.vm.VirtualMachine;

/**
 * The node controller's decision for one VirtualMachine: from the object as the API last showed it
 * and the VM as the node runs it, the next {@link Step}. Level-triggered: it looks only at the two
 * states, never at what happened before, so a missed watch event or a restart changes nothing.
 *
 * <p>Pure; thread-safe.
 */
public final class Reconcile {
    private Reconcile() {
    }

    /**
     * @param object   the object, or null when the API (as last listed) has none bound to this node
     * @param local    the node's VM for that key, or null
     * @param listed   whether the API's view is complete (the first list came back): before that, a
     *                 missing object says nothing, and no VM is stopped for it
     */
    public static Step next(KubeVm object, VirtualMachine local, boolean listed) {
        if (object == null) {
            // Only VMs the controller made are its to stop; one left from standalone use is the operator's.
            if (local != null && listed && Ownership.objectOf(local).isPresent()) {
                return new Step.Orphaned(local.metadata().name());
            }
            return new Step.Idle();
        }
        if (object.deleting()) {
            if (local != null) {
                return new Step.Stop(local.metadata().name(), "its VirtualMachine " + object.key() + " is being deleted");
            }
            return object.holds(Ownership.FINALIZER) ? new Step.RemoveFinalizer() : new Step.Idle();
        }
        if (!object.holds(Ownership.FINALIZER)) {
            return new Step.AddFinalizer();
        }
        if (local != null && Ownership.objectOf(local).isEmpty()) {
            return new Step.Refuse("metadata.name: a VM named " + local.metadata().name()
                    + " that Kubernetes does not manage runs on this node; delete it there (vmctl delete vm) to run this one");
        }
        // The VM of an object deleted and made again under the same name while nobody watched: not this one's.
        if (local != null && Ownership.uidOf(local) != null && object.uid() != null && !object.uid().equals(Ownership.uidOf(local))) {
            return new Step.Stop(local.metadata().name(), "it ran a VirtualMachine " + object.key() + " that was replaced (uid "
                    + Ownership.uidOf(local) + ", now " + object.uid() + ")");
        }
        return switch (DesiredVm.of(object)) {
            case DesiredVm.Invalid(String message) -> new Step.Refuse(message);
            case DesiredVm.Valid(VirtualMachine desired) when local == null -> new Step.Create(desired);
            case DesiredVm.Valid(VirtualMachine desired) when !DesiredVm.matches(local, desired) -> new Step.Update(desired);
            case DesiredVm.Valid v -> new Step.Converged();
        };
    }
}
