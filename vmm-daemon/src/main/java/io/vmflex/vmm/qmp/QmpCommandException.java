package io.vmflex.vmm.qmp;

/** QEMU answered a command with an {@code error} reply. */
public final class QmpCommandException extends QmpException {

    private final String errorClass;
    private final String desc;
    private final String command;

    public QmpCommandException(String errorClass, String desc, String command) {
        super(command + " failed: " + errorClass + ": " + desc);
        this.errorClass = errorClass;
        this.desc = desc;
        this.command = command;
    }

    /** QMP error class, e.g. {@code GenericError}, {@code CommandNotFound}, {@code DeviceNotFound}. */
    public String errorClass() {
        return errorClass;
    }

    public String desc() {
        return desc;
    }

    public String command() {
        return command;
    }
}
