package io.vmflex.vmm.qmp;

import java.util.List;

/**
 * The first message of every QMP session: {@code {"QMP": {"version": {...}, "capabilities": [...]}}}.
 *
 * @param version      the QEMU version
 * @param capabilities capabilities the server offers (e.g. {@code "oob"}); this client enables none
 */
public record QmpGreeting(QemuVersion version, List<String> capabilities) implements QmpMessage {

    public QmpGreeting {
        capabilities = List.copyOf(capabilities);
    }
}
