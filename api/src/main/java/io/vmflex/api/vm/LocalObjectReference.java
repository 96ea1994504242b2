package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A reference by name, as Kubernetes' LocalObjectReference (image pull secrets). Immutable. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LocalObjectReference(String name) {
}
