package io.vmflex.kube.webhook;

/** The webhook's answer to one request. */
public sealed interface AdmissionDecision {

    /** Let it through. */
    record Allowed() implements AdmissionDecision {
    }

    /**
     * Refuse it; {@code message} is what kubectl prints after "denied the request: ".
     *
     * @param code the HTTP status the API server answers with (403 for an invalid object)
     */
    record Denied(int code, String reason, String message) implements AdmissionDecision {
    }
}
