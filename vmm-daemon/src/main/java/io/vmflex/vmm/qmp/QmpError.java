package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A failed command reply: {@code {"error": {"class": "...", "desc": "..."}, "id": X}}.
 *
 * @param errorClass the error class, e.g. {@code GenericError}, {@code CommandNotFound}
 * @param desc       the human-readable description
 * @param id         the {@code id} echoed from the command, or {@code null} (QEMU omits it when it
 *                   could not parse the command at all)
 */
record QmpError(String errorClass, String desc, JsonNode id) implements QmpMessage {}
