package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * A revision and when it was last updated, as NeonVM's {@code spec.targetRevision} and
 * {@code status.currentRevision}. Both fields are required on the wire. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RevisionWithTime(Revision revision, Instant updatedAt) {
}
