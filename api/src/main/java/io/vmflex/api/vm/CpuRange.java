package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The guest's vCPU bounds and current target, as NeonVM's {@code guest.cpus}. All three are
 * required on the wire; {@code null} here means absent and is reported by the validator.
 * Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CpuRange(MilliCpu min, MilliCpu use, MilliCpu max) {

    public static CpuRange of(MilliCpu min, MilliCpu use, MilliCpu max) {
        return new CpuRange(min, use, max);
    }

    public CpuRange withUse(MilliCpu newUse) {
        return new CpuRange(min, newUse, max);
    }
}
