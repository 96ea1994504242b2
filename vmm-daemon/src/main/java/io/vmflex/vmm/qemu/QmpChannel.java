package io.vmflex.vmm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.concurrent.CompletableFuture;

/** The one thing the supervisor needs of a QMP connection: run a command, get its return value. */
@FunctionalInterface
public interface QmpChannel {
    CompletableFuture<JsonNode> execute(String command, ObjectNode arguments);
}
