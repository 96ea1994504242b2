package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.vmm.migration.incoming.VmCopies;
import io.vmflex.vmm.qemu.QmpChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A source QEMU without a root disk behind a fake QMP channel: {@code migrate} completes at once
 * and leaves the guest paused in postmigrate, as QEMU does; {@code cont} resumes it. Reports where
 * the guest runs to {@link VmCopies}.
 *
 * <p>Thread-safe.
 */
final class FakeSourceQemu implements QmpChannel {
    private final String node;
    private final VmCopies copies;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private volatile String run = "running";
    private volatile String migration = "none";

    FakeSourceQemu(String node, VmCopies copies) {
        this.node = node;
        this.copies = copies;
        copies.resumed(node);
    }

    String node() {
        return node;
    }

    /** This node's daemon stopped the QEMU (the VM moved away). */
    void quit() {
        run = "shutdown";
        copies.gone(node);
    }

    List<String> commands() {
        return new ArrayList<>(commands);
    }

    @Override
    public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
        commands.add(command);
        JsonNodeFactory f = JsonNodeFactory.instance;
        return CompletableFuture.completedFuture(switch (command) {
            case "migrate" -> {
                migration = "completed";
                run = "postmigrate";
                copies.paused(node);
                yield f.objectNode();
            }
            case "migrate_cancel" -> {
                if (!migration.equals("completed")) {
                    migration = "cancelled";
                }
                yield f.objectNode();
            }
            case "cont" -> {
                run = "running";
                copies.resumed(node);
                yield f.objectNode();
            }
            case "query-status" -> f.objectNode().put("status", run);
            case "query-migrate" -> {
                ObjectNode q = f.objectNode().put("status", migration);
                if (migration.equals("completed")) {
                    q.put("downtime", 3);
                    q.putObject("ram").put("transferred", 10).put("remaining", 0).put("total", 10);
                }
                yield q;
            }
            case "query-block", "query-hotpluggable-cpus", "query-block-jobs" -> f.arrayNode();
            default -> f.objectNode();
        });
    }
}
