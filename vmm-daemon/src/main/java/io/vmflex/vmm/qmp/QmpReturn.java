package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A successful command reply: {@code {"return": ..., "id": X}}.
 *
 * @param value the {@code return} member (often an empty object)
 * @param id    the {@code id} member echoed from the command, or {@code null} if the reply had none
 */
record QmpReturn(JsonNode value, JsonNode id) implements QmpMessage {}
