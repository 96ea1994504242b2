package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Memory bounds and current target in units of {@code guest.memorySlotSize}, as NeonVM's
 * {@code guest.memorySlots}. {@code null} means absent. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemorySlots(Integer min, Integer use, Integer max) {

    public static MemorySlots of(int min, int use, int max) {
        return new MemorySlots(min, use, max);
    }

    public MemorySlots withUse(int newUse) {
        return new MemorySlots(min, newUse, max);
    }
}
