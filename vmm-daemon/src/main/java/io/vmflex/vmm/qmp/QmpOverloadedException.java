package io.vmflex.vmm.qmp;

/** The client's bounded queue of not-yet-sent commands is full; the command was not sent. */
public final class QmpOverloadedException extends QmpException {

    public QmpOverloadedException(String command, int inFlight, int queued) {
        super(command + " rejected: " + inFlight + " commands in flight and " + queued
                + " queued (queue full)");
    }
}
