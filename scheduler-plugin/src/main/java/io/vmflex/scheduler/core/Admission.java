package io.vmflex.scheduler.core;

/** The answer to an {@link AdmitRequest}. */
public sealed interface Admission {

    /** The VM is on the books of {@code node} with {@code reserved}. */
    record Admitted(String node, Amount reserved) implements Admission {
    }

    /** Nothing was stored; {@code reason} is one line for the user. */
    record Refused(String reason) implements Admission {
    }
}
