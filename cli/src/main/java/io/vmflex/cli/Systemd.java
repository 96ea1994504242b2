package io.vmflex.cli;

import io.vmflex.cli.systemd.AdminSocketProbe;
import io.vmflex.cli.systemd.SystemdEnvironment;
import io.vmflex.cli.systemd.SystemdSupervision;

import java.nio.file.Path;

/** Wires {@code vmflex daemon} and {@code vmflex up} to systemd's notify socket and watchdog. */
final class Systemd {
    private Systemd() {
    }

    /** Supervision of the daemon behind {@code socket}; inert when not started by a Type=notify unit. */
    static SystemdSupervision supervise(Path socket, String status) {
        SystemdEnvironment environment = SystemdEnvironment.read(System.getenv(), ProcessHandle.current().pid());
        return SystemdSupervision.start(environment,
                new AdminSocketProbe(socket, SystemdSupervision.probeTimeout(environment)), status);
    }
}
