package io.vmflex.vmm.qemu;

/** A live QMP connection to one QEMU, as the supervisor sees it. */
public interface QmpSession extends QmpChannel, AutoCloseable {
    boolean isConnected();

    @Override
    void close();
}
