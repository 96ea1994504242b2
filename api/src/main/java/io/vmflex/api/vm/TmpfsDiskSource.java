package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A tmpfs mounted in the guest; {@code size} is required. Immutable. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TmpfsDiskSource(ByteQuantity size) {
}
