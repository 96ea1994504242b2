package io.vmflex.kube.placement;

/**
 * The names the node daemons, the webhook and this scheduler agree on (the Kubernetes helpers'
 * contract): which Nodes run VMs, how a VirtualMachine is bound to one, and what the scheduler
 * writes on a VM it cannot place.
 */
public final class VmNodeContract {

    /** A Node that runs VMs carries this label with value {@code "true"}. */
    public static final String VM_NODE_LABEL = "vmflex.io/vm-node";
    /**
     * And this taint ({@code vmflex.io/vm-node=true:NoSchedule}), so ordinary pods stay off it. VMs
     * do not need to tolerate it: this scheduler places them, not kube-scheduler.
     */
    public static final String VM_NODE_TAINT = "vmflex.io/vm-node";
    /** The binding: a VirtualMachine's label naming its node; the node daemon (Ownership) selects on it. */
    public static final String NODE_LABEL = io.vmflex.kube.node.Ownership.NODE_LABEL;
    /** {@code spec.schedulerName} of the VMs this scheduler places (NeonVM's plugin's name). */
    public static final String SCHEDULER_NAME = "autoscale-scheduler";
    /** The condition type this scheduler writes. */
    public static final String CONDITION_SCHEDULED = "Scheduled";
    /** Reason of {@code Scheduled=False}. */
    public static final String REASON_UNSCHEDULABLE = "Unschedulable";
    /** Reason of {@code Scheduled=True}. */
    public static final String REASON_SCHEDULED = "Scheduled";
    /** {@code source.component} of this scheduler's Events. */
    public static final String COMPONENT = "vmflex-scheduler";

    private VmNodeContract() {
    }
}
