package io.vmflex.vmm.qemu;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.function.BiConsumer;

/** Opens QMP sessions; events and disconnects are reported through the callbacks. */
@FunctionalInterface
public interface QmpConnector {
    /**
     * @param onEvent      called with the event name and its data, on a QMP I/O thread (must not block)
     * @param onDisconnect called once when the session drops
     */
    QmpSession connect(Path socket, BiConsumer<String, JsonNode> onEvent, Runnable onDisconnect) throws Exception;
}
