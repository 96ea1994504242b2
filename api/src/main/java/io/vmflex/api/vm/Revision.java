package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

/** An identifier of a spec change set by an external party, with free-form flag bits. Immutable. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Revision(Long value, Long flags) {
}
