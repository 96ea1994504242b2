package io.vmflex.sys.cgroup;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A cgroup interface file does not exist because its controller is not enabled for that cgroup
 * (not listed in the parent's {@code cgroup.subtree_control}, or not available at all on this
 * host). Immutable.
 */
public final class CgroupControllerMissingException extends IOException {

    private final Path file;
    private final String controller;

    CgroupControllerMissingException(Path file, String controller, String detail) {
        super("cannot write " + file + ": controller '" + controller + "' is not enabled for this cgroup ("
                + detail + ")");
        this.file = file;
        this.controller = controller;
    }

    /** The interface file that was to be written, for example {@code .../vm-1/cpu.max}. */
    public Path file() {
        return file;
    }

    /** The controller that owns the file, for example {@code cpu}. */
    public String controller() {
        return controller;
    }
}
