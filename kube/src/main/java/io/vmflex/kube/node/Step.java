package io.vmflex.kube.node;

import io.vmflex.api.vm.VirtualMachine;

/**
 * The next thing the node controller does for one VirtualMachine, as {@link Reconcile#next} decides
 * it. Each is idempotent: doing it twice, or after a restart, converges to the same place.
 */
public sealed interface Step {

    /** Hold the node's finalizer on the object before running anything for it, so a delete waits for the VM. */
    record AddFinalizer() implements Step {
    }

    /** The VM is stopped and cleaned on the node: let the object go. */
    record RemoveFinalizer() implements Step {
    }

    /** Run a new VM. */
    record Create(VirtualMachine vm) implements Step {
    }

    /** Change the running VM's spec (a resize, a label): the supervisor applies it live. */
    record Update(VirtualMachine vm) implements Step {
    }

    /** Stop the VM and clean it from the node. @param why for the log and the event */
    record Stop(String localName, String why) implements Step {
    }

    /** The object's VM on the node is gone from the API's view (deleted, or bound elsewhere): stop it, then release the object if it is still there. */
    record Orphaned(String localName) implements Step {
    }

    /** The spec cannot run: say so in status and an event; the VM (if one runs) keeps its last good spec. */
    record Refuse(String message) implements Step {
    }

    /** Nothing to change on the node: bring status up to date. */
    record Converged() implements Step {
    }

    /** Nothing to do (not ours, or not yet known). */
    record Idle() implements Step {
    }
}
