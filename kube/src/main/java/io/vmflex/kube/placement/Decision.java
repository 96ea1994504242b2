package io.vmflex.kube.placement;

/** What one placement round wants done to one VirtualMachine. */
public sealed interface Decision {

    VmInfo vm();

    /** Bind the VM to {@code node}: the label, then {@code status.node}. */
    record Bind(VmInfo vm, String node, int score) implements Decision {
    }

    /**
     * Record that the VM fits nowhere: phase Pending and {@code Scheduled=False} with {@code message}.
     * Only decided when the VM's condition does not already say so.
     */
    record MarkUnschedulable(VmInfo vm, String message) implements Decision {
    }
}
