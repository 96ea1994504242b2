package io.vmflex.api.autoscaling;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;

import java.util.Objects;

/**
 * The step the autoscaler scales in: goals are whole numbers of units, each unit this much CPU and
 * this much memory together. Neon's default is 0.25 vCPU : 1 GiB. Overridden per node by the
 * agent's configuration and per VM by the annotation {@code autoscaling.neon.tech/scaling-unit}
 * ({@code {"vCPUs":"250m","mem":"1Gi"}}, the name and shape Neon's scheduler reads). Its memory
 * must be a whole number of the VM's memory slots, checked by {@link #checkFits}. Immutable.
 *
 * @param cpu CPU per unit, above zero
 * @param mem memory per unit, above zero
 */
public record ComputeUnit(MilliCpu cpu, ByteQuantity mem) {

    /** Neon's compute unit: a quarter vCPU and 1 GiB. */
    public static final ComputeUnit DEFAULT = new ComputeUnit(new MilliCpu(250), ByteQuantity.ofGibibytes(1));

    public ComputeUnit {
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(mem, "mem");
        if (cpu.millis() == 0 || mem.bytes() == 0) {
            throw new IllegalArgumentException("a compute unit needs CPU and memory above zero, got " + cpu + " / "
                    + mem);
        }
    }

    /**
     * Why this unit cannot scale a VM with this slot size, or null when it can.
     */
    public String checkFits(ByteQuantity slotSize) {
        if (slotSize.bytes() == 0 || mem.bytes() % slotSize.bytes() != 0) {
            return "memory " + mem + " must be a multiple of the memory slot size " + slotSize;
        }
        return null;
    }
}
