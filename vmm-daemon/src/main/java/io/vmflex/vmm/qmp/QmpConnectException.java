package io.vmflex.vmm.qmp;

import java.nio.file.Path;

/** Connecting to the QMP socket failed (no such socket, refused, no epoll transport). */
public final class QmpConnectException extends QmpException {

    public QmpConnectException(Path socket, Throwable cause) {
        super("cannot connect to QMP socket " + socket + ": " + cause.getMessage(), cause);
    }
}
