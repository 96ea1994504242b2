package io.vmflex.agent.core;

import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.api.autoscaling.ComputeUnit;
import io.vmflex.api.autoscaling.ScalingBounds;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.api.vm.VmPhase;

/**
 * What the agent needs of a VM's spec and status, in the agent's units. Immutable.
 *
 * @param name      the VM's name
 * @param uid       the VM's uid: a VM deleted and made again under the same name is another VM; may be null
 * @param node      the node it runs on (changes after a migration), may be null
 * @param use       the spec's {@code use}: what the VM has been given and the scheduler reserves
 * @param plugged   what the guest has now (status), may lag {@code use}
 * @param migrating the VM is moving; the daemon refuses spec changes (409) until it lands
 * @param boundsMin lower end of the range the agent may move it in (bounds annotation, else spec min)
 * @param boundsMax upper end (bounds annotation, else spec max)
 * @param unit      one compute unit: the VM's own, else the node's
 * @param slotBytes memory slot size; every memory amount the agent asks for is a multiple of it
 * @param revision  the spec's {@code targetRevision} value (0 when absent): a view older than the
 *                  agent's own last patch is not allowed to undo it
 */
public record VmView(String name, String uid, String node, Allocation use, Allocation plugged, boolean migrating,
                     Allocation boundsMin, Allocation boundsMax, Allocation unit, long slotBytes, long revision) {

    public VmView {
        if (unit.cpuMillis() <= 0 || unit.memBytes() <= 0 || slotBytes <= 0 || unit.memBytes() % slotBytes != 0) {
            throw new IllegalArgumentException("compute unit " + unit + " must be above zero and a whole number of "
                    + slotBytes + "-byte slots");
        }
    }

    /**
     * Reads a VM that passed validation.
     *
     * @param nodeUnit the node's compute unit, used unless the VM names its own
     * @throws io.vmflex.api.validation.InvalidSpecException when its autoscaling annotations are bad
     * @throws IllegalArgumentException when the node's unit does not fit the VM's slot size
     */
    public static VmView of(VirtualMachine vm, ComputeUnit nodeUnit) {
        AutoscalingSettings settings = AutoscalingSettings.of(vm);
        Guest guest = vm.spec().guest();
        long slot = guest.memorySlotSize().bytes();
        ScalingBounds bounds = settings.bounds();
        ComputeUnit unit = settings.unit(nodeUnit);
        Allocation use = new Allocation(guest.cpus().use().millis(), slot * guest.memorySlots().use());
        VirtualMachineStatus status = vm.status() == null ? VirtualMachineStatus.EMPTY : vm.status();
        Allocation plugged = new Allocation(status.cpus() == null ? use.cpuMillis() : status.cpus().millis(),
                status.memorySize() == null ? use.memBytes() : status.memorySize().bytes());
        boolean migrating = status.phase() == VmPhase.Migrating || status.phase() == VmPhase.PreMigrating;
        return new VmView(vm.name(), vm.metadata().uid(), status.node(), use, plugged, migrating,
                new Allocation(bounds.min().cpu().millis(), bounds.min().mem().bytes()),
                new Allocation(bounds.max().cpu().millis(), bounds.max().mem().bytes()),
                new Allocation(unit.cpu().millis(), unit.mem().bytes()), slot, revisionOf(vm));
    }

    private static long revisionOf(VirtualMachine vm) {
        var target = vm.spec().targetRevision();
        return target == null || target.revision() == null || target.revision().value() == null
                ? 0 : target.revision().value();
    }

    /** Whether both views are of the same VM: a different uid under the same name is another one. */
    public boolean sameVmAs(VmView other) {
        return uid == null || other.uid == null || uid.equals(other.uid);
    }

    public VmView withUse(Allocation newUse) {
        return new VmView(name, uid, node, newUse, plugged, migrating, boundsMin, boundsMax, unit, slotBytes, revision);
    }
}
