package io.vmflex.vmm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.vmm.qemu.QemuCommandLine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The QMP commands the reconciler uses, typed, and blocking: the supervisor calls them from its own
 * (virtual) thread and waits at most {@code timeout} for each.
 *
 * <p>Not threadsafe; owned by one supervisor.
 */
public final class QmpOps {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String VIRTIO_MEM_PATH = "/machine/peripheral/" + QemuCommandLine.VIRTIO_MEM_ID;

    private final QmpChannel qmp;
    private final Duration timeout;

    public QmpOps(QmpChannel qmp, Duration timeout) {
        this.qmp = qmp;
        this.timeout = timeout;
    }

    /**
     * Has QEMU announce the VM's NICs (gratuitous ARP/RARP, 5 rounds over ~1 s) so that the
     * bridges and the overlay learn where it runs now; after a migration, on the target.
     */
    public void announceSelf() throws QmpFailure {
        ObjectNode a = NODES.objectNode();
        a.put("initial", 50).put("max", 550).put("rounds", 5).put("step", 100);
        call("announce-self", a);
    }

    public JsonNode call(String command, ObjectNode args) throws QmpFailure {
        try {
            return qmp.execute(command, args).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new QmpFailure(command, e.getCause());
        } catch (TimeoutException e) {
            throw new QmpFailure(command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpFailure(command, e);
        }
    }

    public List<CpuSlot> hotpluggableCpus() throws QmpFailure {
        JsonNode r = call("query-hotpluggable-cpus", null);
        List<CpuSlot> slots = new ArrayList<>();
        for (JsonNode s : r) {
            JsonNode props = s.path("props");
            JsonNode qom = s.get("qom-path");
            slots.add(new CpuSlot(props.path("socket-id").asInt(0), props.path("core-id").asInt(0),
                    props.path("thread-id").asInt(0), s.path("type").asText(),
                    qom == null || qom.isNull() ? null : qom.asText()));
        }
        return slots;
    }

    public void addCpu(CpuSlot slot) throws QmpFailure {
        ObjectNode a = NODES.objectNode();
        a.put("driver", slot.type());
        a.put("id", slot.deviceId());
        a.put("socket-id", slot.socketId());
        a.put("core-id", slot.coreId());
        a.put("thread-id", slot.threadId());
        call("device_add", a);
    }

    public void removeDevice(String id) throws QmpFailure {
        ObjectNode a = NODES.objectNode();
        a.put("id", id);
        call("device_del", a);
    }

    public long virtioMemLong(String property) throws QmpFailure {
        ObjectNode a = NODES.objectNode();
        a.put("path", VIRTIO_MEM_PATH);
        a.put("property", property);
        return call("qom-get", a).asLong();
    }

    public void setVirtioMemRequestedSize(long bytes) throws QmpFailure {
        ObjectNode a = NODES.objectNode();
        a.put("path", VIRTIO_MEM_PATH);
        a.put("property", "requested-size");
        a.put("value", bytes);
        call("qom-set", a);
    }

    public String status() throws QmpFailure {
        return call("query-status", null).path("status").asText();
    }

    /** The ACPI power button: a guest that handles it shuts down and powers off, and QEMU exits. */
    public void systemPowerdown() throws QmpFailure {
        call("system_powerdown", null);
    }

    public void quit() throws QmpFailure {
        call("quit", null);
    }

    /** A QMP command that failed, timed out or found no connection. */
    public static final class QmpFailure extends Exception {
        public QmpFailure(String command, Throwable cause) {
            super(command + ": " + (cause == null ? "failed" : cause.getMessage() == null ? cause.toString() : cause.getMessage()), cause);
        }
    }
}
