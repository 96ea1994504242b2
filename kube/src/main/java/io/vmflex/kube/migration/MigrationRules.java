package io.vmflex.kube.migration;

import io.vmflex.api.vm.MigrationStatus;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The source node's decision for one VirtualMachineMigration, from what it sees now: the object, the
 * VirtualMachine as bound here, the daemon's migration and the target's Node. Level-triggered: a
 * missed event or a restart changes nothing. Only the node the VM is bound to starts a migration, and
 * only the node named as its source in status follows one.
 *
 * <pre>
 *  (none)/Pending --valid, target known--> Running --daemon: Completed--> (object switched) Succeeded
 *        |                                    |
 *        +--invalid--> Failed                 +--daemon: Failed/Cancelled, or nobody runs it--> Failed
 * </pre>
 *
 * <p>Pure; thread-safe.
 */
public final class MigrationRules {
    private MigrationRules() {
    }

    /** The VirtualMachine as this node sees it. */
    public enum VmHere {
        /** Not bound to this node (or no such object): another node's business. */
        NOT_HERE,
        /** Bound here and being deleted. */
        DELETING,
        /** Bound here, not running on the daemon (yet, or any more). */
        NOT_RUNNING,
        /** Bound here and running on the daemon. */
        RUNNING
    }

    /**
     * @param vm           the VM's state on this node
     * @param memoryBytes  the VM's memory now, for a completionTimeout (0 when unknown)
     * @param otherRunning another migration of the same VM is Running, by name; null when none
     * @param daemon       the daemon's migration this object started, if the daemon knows it
     * @param nodes        the VM nodes by name
     */
    public static Decision next(String self, KubeVmm vmm, VmHere vm, long memoryBytes, String otherRunning,
            Optional<MigrationStatus> daemon, Function<String, Optional<VmNode>> nodes) {
        if (vmm.ended()) {
            return new Decision.Ignore();
        }
        if ("Running".equals(vmm.phase())) {
            if (!self.equals(vmm.sourceNode())) {
                return new Decision.Ignore();
            }
            if (daemon.isEmpty()) {
                // Started by a daemon that stopped since: its settling left the VM on one node only; say where.
                return new Decision.Fail("interrupted: the source daemon restarted during the migration; the VM "
                        + (vm == VmHere.RUNNING ? "stays on node " + self : "is not running on node " + self));
            }
            MigrationStatus d = daemon.get();
            return switch (d.phase()) {
                case Completed -> new Decision.Finish(d);
                case Failed, Cancelled -> new Decision.Ended(d);
                case Preparing, Migrating -> new Decision.Report(d);
            };
        }
        if (vm == VmHere.NOT_HERE || vmm.deleting()) {
            return new Decision.Ignore();
        }
        if (vmm.specError() != null) {
            return new Decision.Fail(vmm.specError());
        }
        String name = vmm.vm().toString();
        if (vm == VmHere.DELETING) {
            return new Decision.Fail("VirtualMachine " + name + " is being deleted");
        }
        if (vm == VmHere.NOT_RUNNING) {
            return new Decision.Wait("VirtualMachine " + name + " does not run on node " + self + " yet");
        }
        if (otherRunning != null) {
            return new Decision.Fail("VirtualMachine " + name + " is migrating already (VirtualMachineMigration " + otherRunning + ")");
        }
        String target = vmm.wantedTarget();
        if (target == null) {
            return new Decision.Wait("waiting for a target node (spec.targetNode, or the scheduler's choice)");
        }
        if (target.equals(self)) {
            return new Decision.Fail("target node " + target + " is the node VirtualMachine " + name + " runs on");
        }
        Optional<VmNode> node = nodes.apply(target);
        if (node.isEmpty()) {
            return new Decision.Fail("target node " + target + " does not exist");
        }
        Map<String, String> selector = vmm.spec().nodeSelector();
        if (selector != null) {
            for (Map.Entry<String, String> e : selector.entrySet()) {
                if (!e.getValue().equals(node.get().labels().get(e.getKey()))) {
                    return new Decision.Fail("target node " + target + " does not match spec.nodeSelector " + e.getKey() + "=" + e.getValue());
                }
            }
        }
        if (node.get().migrationAddress() == null) {
            return new Decision.Wait("target node " + target + " has no " + VmNode.MIGRATION_ADDRESS + " yet (no vmflex daemon runs there)");
        }
        return switch (Knobs.of(vmm.spec(), memoryBytes)) {
            case Knobs.Invalid(String message) -> new Decision.Fail(message);
            case Knobs.Valid(Knobs knobs) -> new Decision.Start(target, node.get().migrationAddress(), knobs);
        };
    }
}
