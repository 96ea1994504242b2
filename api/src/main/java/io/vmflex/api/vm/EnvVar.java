package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

/** An environment variable for the guest's start process; {@code value} defaults to "". Immutable. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EnvVar(String name, String value) {
}
