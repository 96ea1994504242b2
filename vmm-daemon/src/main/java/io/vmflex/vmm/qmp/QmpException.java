package io.vmflex.vmm.qmp;

/**
 * Base of every failure this package reports; futures returned by the client complete
 * exceptionally with one of the permitted subclasses, so callers can switch over them.
 */
public abstract sealed class QmpException extends RuntimeException
        permits QmpCommandException, QmpTimeoutException, QmpDisconnectedException,
                QmpOverloadedException, QmpProtocolException, QmpConnectException {

    QmpException(String message) {
        super(message);
    }

    QmpException(String message, Throwable cause) {
        super(message, cause);
    }
}
