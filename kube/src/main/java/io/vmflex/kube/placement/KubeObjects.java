package io.vmflex.kube.placement;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.Condition;
import io.vmflex.api.vm.CpuRange;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.MemorySlots;
import io.vmflex.api.vm.VirtualMachineSpec;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.api.vm.VirtualMachineMigrationStatus;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.kube.crd.NeonVmm;
import io.vmflex.scheduler.core.Amount;

import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads Nodes, Pods and VirtualMachines into the placement round's records. Pure.
 */
public final class KubeObjects {

    /** NeonVM's default slot size, for a VM whose spec leaves it out. */
    private static final long DEFAULT_SLOT = ByteQuantity.GI;

    private KubeObjects() {
    }

    public static NodeInfo node(Node node) {
        List<NodeTaint> taints = new ArrayList<>();
        if (node.getSpec() != null && node.getSpec().getTaints() != null) {
            for (Taint t : node.getSpec().getTaints()) {
                taints.add(new NodeTaint(t.getKey(), t.getValue(), t.getEffect()));
            }
        }
        boolean ready = false;
        Amount allocatable = Amount.ZERO;
        if (node.getStatus() != null) {
            if (node.getStatus().getConditions() != null) {
                for (NodeCondition c : node.getStatus().getConditions()) {
                    if ("Ready".equals(c.getType())) {
                        ready = "True".equals(c.getStatus());
                    }
                }
            }
            allocatable = amount(node.getStatus().getAllocatable());
        }
        boolean cordoned = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        return new NodeInfo(node.getMetadata().getName(), labels, taints, ready, cordoned, allocatable);
    }

    /** Whether a pod holds its node's resources: bound to a node and not finished. */
    public static boolean holdsNode(Pod pod) {
        if (pod.getSpec() == null || pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty()) {
            return false;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    /**
     * What a pod requests, as kube-scheduler counts it: the sum over its containers, at least the
     * largest init container (they run one at a time, before the others), plus the pod overhead.
     */
    public static Amount podRequests(Pod pod) {
        long cpu = 0;
        long mem = 0;
        for (Container c : pod.getSpec().getContainers()) {
            Amount a = requests(c);
            cpu += a.cpuMillis();
            mem += a.memBytes();
        }
        if (pod.getSpec().getInitContainers() != null) {
            for (Container c : pod.getSpec().getInitContainers()) {
                Amount a = requests(c);
                cpu = Math.max(cpu, a.cpuMillis());
                mem = Math.max(mem, a.memBytes());
            }
        }
        Amount overhead = amount(pod.getSpec().getOverhead());
        return new Amount(cpu + overhead.cpuMillis(), mem + overhead.memBytes());
    }

    private static Amount requests(Container c) {
        return c.getResources() == null ? Amount.ZERO : amount(c.getResources().getRequests());
    }

    /** {@code cpu} (rounded up to a thousandth) and {@code memory} of a resource list; absent is zero. */
    static Amount amount(Map<String, Quantity> resources) {
        if (resources == null) {
            return Amount.ZERO;
        }
        Quantity cpu = resources.get("cpu");
        Quantity mem = resources.get("memory");
        long millis = cpu == null ? 0 : cpu.getNumericalAmount().movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
        long bytes = mem == null ? 0 : mem.getNumericalAmount().setScale(0, RoundingMode.CEILING).longValueExact();
        return new Amount(Math.max(0, millis), Math.max(0, bytes));
    }

    /** The cluster as a round sees it: the VM nodes, their pods' requests, the VMs. */
    public static ClusterSnapshot snapshot(List<Node> nodes, List<Pod> pods, List<VmInfo> vms) {
        Map<String, Amount> podRequests = new java.util.HashMap<>();
        for (Pod pod : pods) {
            if (holdsNode(pod)) {
                podRequests.merge(pod.getSpec().getNodeName(), podRequests(pod),
                        (a, b) -> new Amount(a.cpuMillis() + b.cpuMillis(), a.memBytes() + b.memBytes()));
            }
        }
        return new ClusterSnapshot(nodes.stream().map(KubeObjects::node).toList(), podRequests, vms);
    }

    /**
     * Per VM key, the target of its migration in flight: a migration not Succeeded or Failed whose target
     * is known ({@code spec.targetNode}, else {@code status.targetNode}).
     */
    public static Map<String, String> incoming(List<NeonVmm> migrations) {
        Map<String, String> out = new java.util.HashMap<>();
        for (NeonVmm m : migrations) {
            var spec = m.getSpec();
            var status = m.getStatus();
            var phase = status == null ? null : status.phase();
            if (spec == null || spec.vmName() == null || phase == VirtualMachineMigrationStatus.VmmPhase.Succeeded
                    || phase == VirtualMachineMigrationStatus.VmmPhase.Failed) {
                continue;
            }
            String target = spec.targetNode() != null ? spec.targetNode() : status == null ? null : status.targetNode();
            if (target != null && !target.isBlank()) {
                out.put(m.getMetadata().getNamespace() + "/" + spec.vmName(), target);
            }
        }
        return out;
    }

    public static VmInfo vm(NeonVm vm) {
        var meta = vm.getMetadata();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        String bound = labels.get(VmNodeContract.NODE_LABEL);
        VirtualMachineSpec spec = vm.getSpec();
        VirtualMachineStatus status = vm.getStatus();
        VmPhase phase = status == null ? null : status.phase();
        boolean finished = phase == VmPhase.Succeeded || phase == VmPhase.Failed;
        Instant created = meta.getCreationTimestamp() == null ? Instant.EPOCH : Instant.parse(meta.getCreationTimestamp());
        Condition scheduled = null;
        if (status != null && status.conditions() != null) {
            for (Condition c : status.conditions()) {
                if (VmNodeContract.CONDITION_SCHEDULED.equals(c.type())) {
                    scheduled = c;
                }
            }
        }
        Amount min = Amount.ZERO;
        Amount use = Amount.ZERO;
        Amount max = Amount.ZERO;
        NodeRequirements requirements = NodeRequirements.NONE;
        String problem = null;
        try {
            Guest g = spec == null ? null : spec.guest();
            CpuRange cpus = g == null ? null : g.cpus();
            MemorySlots slots = g == null ? null : g.memorySlots();
            if (cpus == null || cpus.min() == null || cpus.use() == null || cpus.max() == null) {
                throw new IllegalArgumentException("spec.guest.cpus: min, use and max are required");
            }
            if (slots == null || slots.min() == null || slots.use() == null || slots.max() == null) {
                throw new IllegalArgumentException("spec.guest.memorySlots: min, use and max are required");
            }
            long slot = g.memorySlotSize() == null ? DEFAULT_SLOT : g.memorySlotSize().bytes();
            min = new Amount(cpus.min().millis(), slot * slots.min());
            use = new Amount(cpus.use().millis(), slot * slots.use());
            max = new Amount(cpus.max().millis(), slot * slots.max());
            if (!min.fitsIn(use) || !use.fitsIn(max)) {
                throw new IllegalArgumentException("spec.guest: needs min ≤ use ≤ max, got min " + min.describe()
                        + ", use " + use.describe() + ", max " + max.describe());
            }
            if (bound != null && status != null) {
                long cpu = status.cpus() == null ? 0 : status.cpus().millis();
                long mem = status.memorySize() == null ? 0 : status.memorySize().bytes();
                use = new Amount(Math.max(use.cpuMillis(), cpu), Math.max(use.memBytes(), mem));
            }
            requirements = NodeRequirements.of(spec);
        } catch (IllegalArgumentException e) {
            problem = "cannot be placed: " + e.getMessage();
            if (bound == null) {
                min = use = max = Amount.ZERO;
            }
        }
        return new VmInfo(meta.getNamespace(), meta.getName(), meta.getUid(), meta.getResourceVersion(), created,
                bound, spec == null ? null : spec.schedulerName(), meta.getDeletionTimestamp() != null, finished,
                min, use, max, requirements, problem, scheduled, phase);
    }

}
