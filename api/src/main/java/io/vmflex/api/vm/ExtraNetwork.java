package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An extra network interface, as NeonVM's {@code spec.extraNetwork}. {@code enable} defaults to
 * false and {@code interface} (Java: {@code interfaceName}) to {@code net1}. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExtraNetwork(
        Boolean enable,
        @JsonProperty("interface") String interfaceName,
        String multusNetwork) {
}
