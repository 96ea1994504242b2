package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure mapping between JSON trees and QMP messages. No I/O, no state: safe from any thread.
 *
 * <p>Members this client does not know are ignored, as the QMP spec asks of clients, so newer
 * QEMU versions that add members keep working.
 */
final class QmpMessages {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private QmpMessages() {}

    /**
     * Maps one top-level JSON value to a message.
     *
     * @throws QmpProtocolException if the value is not an object of a known QMP shape
     */
    public static QmpMessage fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new QmpProtocolException("QMP message is not a JSON object: " + abbreviate(json));
        }
        if (json.has("QMP")) {
            return greeting(json.get("QMP"));
        }
        if (json.has("return")) {
            return new QmpReturn(json.get("return"), json.get("id"));
        }
        if (json.has("error")) {
            JsonNode error = json.get("error");
            if (!error.isObject()) {
                throw new QmpProtocolException("QMP error member is not an object: " + abbreviate(json));
            }
            return new QmpError(error.path("class").asText("GenericError"), error.path("desc").asText(""),
                    json.get("id"));
        }
        if (json.has("event")) {
            JsonNode name = json.get("event");
            if (!name.isTextual()) {
                throw new QmpProtocolException("QMP event name is not a string: " + abbreviate(json));
            }
            JsonNode data = json.get("data");
            if (data == null || data.isNull()) {
                data = NODES.objectNode();
            }
            return new QmpEvent(name.asText(), data, timestamp(json.get("timestamp")));
        }
        throw new QmpProtocolException("unknown QMP message shape: " + abbreviate(json));
    }

    /** Builds {@code {"execute": command, "arguments": arguments, "id": id}}; arguments may be null. */
    public static ObjectNode command(String command, ObjectNode arguments, long id) {
        ObjectNode node = NODES.objectNode();
        node.put("execute", command);
        if (arguments != null) {
            node.set("arguments", arguments);
        }
        node.put("id", id);
        return node;
    }

    private static QmpGreeting greeting(JsonNode qmp) {
        if (!qmp.isObject()) {
            throw new QmpProtocolException("QMP greeting member is not an object: " + abbreviate(qmp));
        }
        JsonNode version = qmp.path("version");
        JsonNode qemu = version.path("qemu");
        QemuVersion qemuVersion = new QemuVersion(qemu.path("major").asInt(0), qemu.path("minor").asInt(0),
                qemu.path("micro").asInt(0), version.path("package").asText(""));
        List<String> capabilities = new ArrayList<>();
        for (JsonNode capability : qmp.path("capabilities")) {
            capabilities.add(capability.asText());
        }
        return new QmpGreeting(qemuVersion, capabilities);
    }

    private static Instant timestamp(JsonNode timestamp) {
        if (timestamp == null || !timestamp.isObject()) {
            return Instant.EPOCH;
        }
        return Instant.ofEpochSecond(timestamp.path("seconds").asLong(0),
                timestamp.path("microseconds").asLong(0) * 1_000L);
    }

    private static String abbreviate(JsonNode json) {
        String text = String.valueOf(json);
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
