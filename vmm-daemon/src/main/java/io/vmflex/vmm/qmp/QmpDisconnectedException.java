package io.vmflex.vmm.qmp;

/**
 * The connection is gone (QEMU exited, the socket closed, the client was closed) or not yet
 * established; every command pending at that moment fails with this at once.
 */
public final class QmpDisconnectedException extends QmpException {

    public QmpDisconnectedException(String message) {
        super(message);
    }

    public QmpDisconnectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
