package io.vmflex.vmm.qmp;

/** The server sent something that is not QMP (bad framing, bad JSON, wrong handshake). */
public final class QmpProtocolException extends QmpException {

    public QmpProtocolException(String message) {
        super(message);
    }

    public QmpProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
