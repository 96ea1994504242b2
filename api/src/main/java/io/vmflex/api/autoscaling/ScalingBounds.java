package io.vmflex.api.autoscaling;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.Guest;

import java.util.Objects;

/**
 * The range the autoscaler may move a VM in: the spec's own min/max, or narrower when the
 * annotation {@code autoscaling.neon.tech/bounds} says so
 * ({@code {"min":{"cpu":0.25,"mem":"1Gi"},"max":{"cpu":2,"mem":"4Gi"}}}). Immutable.
 */
public record ScalingBounds(ResourceAmount min, ResourceAmount max) {

    public ScalingBounds {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
    }

    /** The spec's own range: {@code cpus.min..cpus.max} and {@code memorySlots.min..max × memorySlotSize}. */
    public static ScalingBounds ofSpec(Guest guest) {
        ByteQuantity slot = guest.memorySlotSize();
        return new ScalingBounds(
                new ResourceAmount(guest.cpus().min(), slot.times(guest.memorySlots().min())),
                new ResourceAmount(guest.cpus().max(), slot.times(guest.memorySlots().max())));
    }
}
