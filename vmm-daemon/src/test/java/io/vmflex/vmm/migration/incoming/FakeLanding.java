package io.vmflex.vmm.migration.incoming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.ControlRequest;
import io.vmflex.vmm.migration.qemu.IncomingLoad;
import io.vmflex.vmm.qemu.QmpChannel;
import io.vmflex.vmm.qemu.QmpOps;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One node's {@link Landing} for tests: a copy is a fake target QEMU behind a fake QMP channel (it
 * loads, is resumed by {@code cont}, reports to {@link VmCopies}), and the node's VMs and name holds
 * are sets. The commit's steps ({@link #loadStep}, {@link #commitPointStep}, {@link #contStep}) and
 * the prepare ({@link #prepareStep}) can be held by the test, so every interleaving of a fence, an
 * abort or a late commit with them can be driven one by one.
 *
 * <p>Thread-safe.
 */
public final class FakeLanding implements Landing {
    /** Before the copy is made. */
    public final StepGate prepareStep = new StepGate();
    /** Before the commit waits for QEMU's load to complete. */
    public final StepGate loadStep = new StepGate();
    /** After the load, before the commit point. */
    public final StepGate commitPointStep = new StepGate();
    /** After the commit point, before {@code cont}. */
    public final StepGate contStep = new StepGate();
    /** What the next copies' QEMU says of its incoming migration: "completed", or "failed". */
    public volatile String loadStatus = "completed";

    private final String node;
    private final VmCopies copies;
    private final Set<String> vmsHere = ConcurrentHashMap.newKeySet();
    private final Map<String, UUID> held = new ConcurrentHashMap<>();
    private final List<FakeCopy> made = new CopyOnWriteArrayList<>();

    public FakeLanding(String node, VmCopies copies) {
        this.node = node;
        this.copies = copies;
    }

    /** The target's control service over this landing. */
    public IncomingMigrations service() {
        return new IncomingMigrations(this, Duration.ofMinutes(5));
    }

    /** The VM runs on this node (a copy arrived, or it was created here). */
    public void runs(String vm) {
        vmsHere.add(vm);
    }

    /** The VM left this node (migrated away). */
    public void left(String vm) {
        vmsHere.remove(vm);
    }

    /** Whether the node holds {@code vm}'s name for an arriving migration. */
    public boolean holdsName(String vm) {
        return held.containsKey(vm);
    }

    /** Every copy prepared here, oldest first. */
    public List<FakeCopy> made() {
        return List.copyOf(made);
    }

    @Override
    public void removeLeftovers() {
    }

    @Override
    public PreparedCopy prepare(UUID id, VirtualMachine vm, ControlRequest.Prepare request, Duration ttl)
            throws Exception {
        prepareStep.pass();
        String name = vm.metadata().name();
        if (vmsHere.contains(name)) {
            throw new IllegalStateException("a VM named \"" + name + "\" exists on node " + node);
        }
        held.put(name, id);
        FakeCopy c = new FakeCopy(id, name, loadStatus);
        made.add(c);
        copies.paused(node);
        return c;
    }

    @Override
    public boolean runsHere(String vm) {
        return vmsHere.contains(vm);
    }

    /** A paused target QEMU behind a fake QMP channel. */
    public final class FakeCopy implements PreparedCopy, QmpChannel {
        private final UUID id;
        private final String name;
        private final String loadStatus;
        private final List<String> commands = new CopyOnWriteArrayList<>();
        private volatile String run = "inmigrate";
        private volatile String discarded;
        private volatile boolean pastCommitPoint;
        private volatile String lost;

        FakeCopy(UUID id, String name, String loadStatus) {
            this.id = id;
            this.name = name;
            this.loadStatus = loadStatus;
        }

        public UUID id() {
            return id;
        }

        /** Why it was discarded; null while it is not. */
        public String discarded() {
            return discarded;
        }

        public boolean resumed() {
            return commands.contains("cont");
        }

        @Override
        public String name() {
            return name;
        }

        /** From now on the copy cannot be committed any more (its QEMU exited, say). */
        public void lose(String why) {
            lost = why;
        }

        @Override
        public String lost() {
            return lost;
        }

        @Override
        public long commit() throws Exception {
            QmpOps ops = new QmpOps(this, Duration.ofSeconds(1));
            loadStep.pass();
            new IncomingLoad().awaitCompleted(ops, Duration.ofSeconds(1));
            commitPointStep.pass();
            pastCommitPoint = true;
            contStep.pass();
            ops.call("cont", null);
            return 7;
        }

        @Override
        public void arrived() {
            vmsHere.add(name);
            held.remove(name, id);
        }

        @Override
        public void discard(String why) {
            if (discarded != null) {
                throw new IllegalStateException("discarded twice: " + discarded + ", then " + why);
            }
            discarded = why;
            run = "killed";
            copies.gone(node);
            held.remove(name, id);
        }

        @Override
        public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
            commands.add(command);
            ObjectNode answer = JsonNodeFactory.instance.objectNode();
            switch (command) {
                case "query-migrate" -> answer.put("status", loadStatus);
                case "query-status" -> answer.put("status", run);
                case "cont" -> {
                    if (!pastCommitPoint || discarded != null) {
                        return CompletableFuture.failedFuture(new IllegalStateException("cont before the commit point"));
                    }
                    run = "running";
                    copies.resumed(node);
                }
                default -> {
                }
            }
            return CompletableFuture.completedFuture(answer);
        }

        /** The QMP commands this copy's QEMU got. */
        public List<String> commands() {
            return new ArrayList<>(commands);
        }
    }
}
