package io.vmflex.api.autoscaling;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;

import java.util.Objects;

/**
 * An amount of CPU and memory, one end of a VM's scaling bounds. Immutable.
 *
 * @param cpu CPU, never null
 * @param mem memory in bytes, never null
 */
public record ResourceAmount(MilliCpu cpu, ByteQuantity mem) {

    public ResourceAmount {
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(mem, "mem");
    }
}
