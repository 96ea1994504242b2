package io.vmflex.migration;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.util.Objects;

/**
 * A target daemon's answer to a {@link ControlRequest}. On the wire: {@code "v"} and
 * {@code "reply"} naming the record.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "reply")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ControlReply.Done.class, name = "done"),
        @JsonSubTypes.Type(value = ControlReply.Committed.class, name = "committed"),
        @JsonSubTypes.Type(value = ControlReply.Fenced.class, name = "fenced"),
        @JsonSubTypes.Type(value = ControlReply.Refused.class, name = "refused"),
})
public sealed interface ControlReply {

    /** The request was carried out. */
    record Done() implements ControlReply {
    }

    /** The target's copy runs; it resumed it {@code resumedInMicros} after the commit arrived. */
    record Committed(long resumedInMicros) implements ControlReply {
    }

    /** The final word on a migration whose commit the source lost track of. */
    record Fenced(Outcome outcome) implements ControlReply {
        public Fenced {
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /** What a {@link ControlRequest.Fence} settled. */
    enum Outcome {
        /** The VM runs on the target: the source must drop its copy. */
        COMMITTED,
        /** The target has no copy and will never commit this migration: the source resumes its own. */
        DROPPED
    }

    /** The target said no; nothing of the request took effect. */
    record Refused(String error) implements ControlReply {
        public Refused {
            Objects.requireNonNull(error, "error");
        }
    }
}
