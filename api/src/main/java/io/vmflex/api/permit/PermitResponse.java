package io.vmflex.api.permit;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Scheduler → agent, the answer to a {@link PermitRequest}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param version the permit protocol version
 * @param permit  the most the VM may use from now on, per resource; the agent applies at most this
 * @param outcome what happened, for events and metrics
 * @param reason  one line saying what limited or refused an increase; absent when all was granted
 * @param migrate present when the scheduler is going to move the VM: the agent must not change the
 *                VM's resources until the move is over
 */
public record PermitResponse(
        @JsonProperty(required = true) int version,
        @JsonProperty(required = true) ResourceAmount permit,
        @JsonProperty(required = true) PermitOutcome outcome,
        String reason,
        Migrate migrate) {

    public PermitResponse {
        PermitCodec.checkVersion(version);
        Fields.required(permit, "permit");
        Fields.required(outcome, "outcome");
        if (reason != null && (reason.length() > 500 || reason.contains("\n"))) {
            throw new InvalidPermitMessageException("reason", "must be one line of at most 500 characters");
        }
    }

    /** A version-1 answer without a migration. */
    public static PermitResponse of(ResourceAmount permit, PermitOutcome outcome, String reason) {
        return new PermitResponse(PermitCodec.VERSION, permit, outcome, reason, null);
    }

    /**
     * The scheduler will move the VM off its node.
     *
     * @param reason one line, such as "node-3 is above its watermark"
     */
    public record Migrate(@JsonProperty(required = true) String reason) {
        public Migrate {
            Fields.required(reason, "reason");
        }
    }
}
