package io.vmflex.api.permit;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the scheduler did with a {@link PermitRequest}, for the agent's events and metrics. */
public enum PermitOutcome {
    /** Every increase asked for was granted (or nothing was asked and nothing changed). */
    @JsonProperty("granted") GRANTED,
    /** Part of an increase was granted, in whole compute units; {@code reason} says what limited it. */
    @JsonProperty("partial") PARTIAL,
    /** No increase was granted; {@code reason} says why. Decreases in the same request were applied. */
    @JsonProperty("denied") DENIED,
    /** No increase was asked for and some reservation was released. */
    @JsonProperty("released") RELEASED,
    /** The seq is older than one already decided: nothing changed, the permit is the one held now. */
    @JsonProperty("stale") STALE
}
