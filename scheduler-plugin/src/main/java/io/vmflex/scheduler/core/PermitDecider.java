package io.vmflex.scheduler.core;

import io.vmflex.api.permit.PermitOutcome;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.ResourceAmount;

/**
 * The permit rule for a VM the scheduler books on a synced node. CPU and memory are decided
 * independently (as Neon does), each by {@link #reserve}:
 *
 * <ol>
 *   <li>A VM seen using more than the scheduler held is booked at its use first (reality wins; the
 *       node can only go over capacity this way).</li>
 *   <li>The wanted amount is capped at the VM's maximum.</li>
 *   <li>Wanted at or below what is held: granted as asked; the reservation drops to
 *       {@code max(use, wanted)} (a release can not free what the VM still uses).</li>
 *   <li>Wanted above what is held: all of it if the node's free capacity covers it, otherwise the
 *       largest whole number of compute units that fits, possibly none.</li>
 * </ol>
 *
 * Stateless; mutates only the accounts handed in, which the caller owns.
 */
final class PermitDecider {

    private PermitDecider() {
    }

    static PermitResponse decide(NodeAccount node, VmAccount vm, PermitRequest r, long unitCpu, long unitMem) {
        ResourceAmount current = r.current();
        ResourceAmount requested = r.requested();
        vm.useCpu = current.cpuMillis();
        vm.useMem = current.memBytes();
        String overUse = null;
        if (vm.useCpu > vm.reservedCpu || vm.useMem > vm.reservedMem) {
            overUse = vm.name + " uses " + current.describe() + ", more than the " + heldOf(vm)
                    + " the scheduler held; booked at its use";
            node.adjust(vm, Math.max(vm.useCpu, vm.reservedCpu), Math.max(vm.useMem, vm.reservedMem));
        }
        long heldCpu = vm.reservedCpu;
        long heldMem = vm.reservedMem;
        long wantCpu = Math.min(requested.cpuMillis(), vm.maxCpu);
        long wantMem = Math.min(requested.memBytes(), vm.maxMem);
        long freeCpu = node.freeCpu();
        long freeMem = node.freeMem();
        long newCpu = reserve(heldCpu, vm.useCpu, wantCpu, freeCpu, unitCpu);
        long newMem = reserve(heldMem, vm.useMem, wantMem, freeMem, unitMem);
        node.adjust(vm, newCpu, newMem);
        ResourceAmount permit = new ResourceAmount(
                wantCpu <= heldCpu ? wantCpu : newCpu,
                wantMem <= heldMem ? wantMem : newMem);

        boolean askedMore = requested.cpuMillis() > heldCpu || requested.memBytes() > heldMem;
        PermitOutcome outcome;
        if (!askedMore) {
            outcome = newCpu < heldCpu || newMem < heldMem ? PermitOutcome.RELEASED : PermitOutcome.GRANTED;
        } else if (permit.cpuMillis() >= requested.cpuMillis() && permit.memBytes() >= requested.memBytes()) {
            outcome = PermitOutcome.GRANTED;
        } else if (newCpu > heldCpu || newMem > heldMem) {
            outcome = PermitOutcome.PARTIAL;
        } else {
            outcome = PermitOutcome.DENIED;
        }
        String reason = outcome == PermitOutcome.PARTIAL || outcome == PermitOutcome.DENIED
                ? limitReason(node, vm, requested, wantCpu, wantMem, new Amount(freeCpu, freeMem),
                new Amount(unitCpu, unitMem)) : null;
        if (overUse != null) {
            reason = reason == null ? overUse : reason + "; " + overUse;
        }
        return PermitResponse.of(permit, outcome, reason);
    }

    /** The new reservation of one resource; see the class doc. */
    static long reserve(long held, long use, long wanted, long free, long unit) {
        if (wanted <= held) {
            return Math.max(use, wanted);
        }
        long more = wanted - held;
        if (more <= free) {
            return wanted;
        }
        return held + (free / unit) * unit;
    }

    private static String limitReason(NodeAccount node, VmAccount vm, ResourceAmount requested, long wantCpu,
                                      long wantMem, Amount free, Amount unit) {
        StringBuilder sb = new StringBuilder();
        if (wantCpu < requested.cpuMillis() || wantMem < requested.memBytes()) {
            sb.append("capped at ").append(vm.name).append("'s maximum ")
                    .append(new Amount(vm.maxCpu, vm.maxMem).describe());
        }
        if (wantCpu > vm.reservedCpu || wantMem > vm.reservedMem) {
            if (!sb.isEmpty()) {
                sb.append("; ");
            }
            sb.append(node.name).append(" had ").append(free.describe())
                    .append(" free of ").append(new Amount(node.capacityCpu, node.capacityMem).describe())
                    .append(" (grants come in whole units of ").append(unit.describe()).append(')');
        }
        return sb.toString();
    }

    private static String heldOf(VmAccount vm) {
        return new Amount(vm.reservedCpu, vm.reservedMem).describe();
    }
}
