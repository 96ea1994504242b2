package io.vmflex.kube.node;

import io.vmflex.api.vm.VirtualMachine;

import java.util.Map;
import java.util.Optional;

/**
 * How a VM on the node says which VirtualMachine of the API it runs: two annotations the controller
 * writes on the daemon's copy. The uid tells a VM of a deleted object from one of a new object with
 * the same name (both made while the daemon was down).
 *
 * <p>Pure; thread-safe.
 */
public final class Ownership {
    /** {@code namespace/name} of the VirtualMachine object. */
    public static final String OBJECT = "vmflex.io/kube-object";
    /** metadata.uid of that object. */
    public static final String UID = "vmflex.io/kube-uid";
    /** The finalizer the node daemon holds on every VirtualMachine it runs. */
    public static final String FINALIZER = "vm.neon.tech/vmflex-node";
    /** The label that binds a VirtualMachine to a node (set by the scheduler, or by hand to pin it). */
    public static final String NODE_LABEL = "vmflex.io/node";

    private Ownership() {
    }

    /** The object whose VM this is, if the controller made it. */
    public static Optional<ObjectKey> objectOf(VirtualMachine local) {
        Map<String, String> a = local.metadata() == null ? null : local.metadata().annotations();
        if (a == null || a.get(OBJECT) == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ObjectKey.parse(a.get(OBJECT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static String uidOf(VirtualMachine local) {
        Map<String, String> a = local.metadata() == null ? null : local.metadata().annotations();
        return a == null ? null : a.get(UID);
    }
}
