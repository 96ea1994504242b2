package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * An asynchronous event: {@code {"event": "NAME", "data": {...}, "timestamp": {"seconds": s, "microseconds": us}}}.
 *
 * @param name      the event name, e.g. {@code STOP}, {@code DEVICE_DELETED}
 * @param data      the {@code data} member; an empty object when the event carries none
 * @param timestamp when QEMU emitted the event (host clock); {@link Instant#EPOCH} if absent
 */
public record QmpEvent(String name, JsonNode data, Instant timestamp) implements QmpMessage {}
