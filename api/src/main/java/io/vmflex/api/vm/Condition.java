package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * One observation about the VM, as Kubernetes' metav1.Condition.
 *
 * @param status "True", "False" or "Unknown"
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
        String type,
        String status,
        Long observedGeneration,
        Instant lastTransitionTime,
        String reason,
        String message) {

    public static Condition of(String type, boolean status, String reason, String message, Instant at) {
        return new Condition(type, status ? "True" : "False", null, at, reason, message);
    }
}
