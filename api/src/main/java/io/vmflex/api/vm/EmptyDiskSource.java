package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A fresh empty disk that lives as long as the VM; {@code size} is required. Immutable. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmptyDiskSource(ByteQuantity size, Boolean discard, Boolean enableQuotas) {
}
