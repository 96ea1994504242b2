package io.vmflex.scheduler.watermark;

/**
 * Whether a node may take a VM at all, whatever its room: the caller's rules (Kubernetes: Ready,
 * not cordoned, the VM's nodeSelector, affinity and tolerations). Must be pure.
 */
@FunctionalInterface
public interface TargetFilter {

    /** Any node may take any VM. */
    TargetFilter ANY = (vm, node) -> null;

    /** Why {@code node} cannot take {@code vm}, in a few words, or null if it can. */
    String mismatch(String vm, String node);
}
