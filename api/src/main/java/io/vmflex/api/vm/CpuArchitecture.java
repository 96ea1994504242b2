package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Guest architecture, as NeonVM's {@code spec.targetArchitecture}. */
public enum CpuArchitecture {
    @JsonProperty("amd64")
    AMD64,
    @JsonProperty("arm64")
    ARM64
}
