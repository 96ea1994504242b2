package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.ControlChannel;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import io.vmflex.migration.MigrationListener;
import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.QmpChannel;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.supervisor.HandedVm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives the source's state machine against a scripted QEMU and a real target listener whose
 * control answers are scripted: the paths that need no guest (refusals, QEMU failing, a cancel, a
 * commit). The QEMU-backed paths are in the {@code qemu}-tagged migration ITs.
 */
class OutgoingMigrationTest {
    private static final ObjectMapper JSON = ApiMapper.json();
    private final ClusterSecret secret = ClusterSecret.of(filled(3));
    private final EventBus events = new EventBus(100);
    private final List<String> controlOps = Collections.synchronizedList(new ArrayList<>());
    private final List<MigrationStatus> published = Collections.synchronizedList(new ArrayList<>());
    private MigrationListener target;

    @TempDir
    Path dir;

    private static byte[] filled(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return s;
    }

    @AfterEach
    void stopTarget() {
        if (target != null) {
            target.close();
        }
    }

    /**
     * A target daemon that answers each control request with {@code answer.apply(op)}, over the real
     * control channel and its codec.
     */
    private InetSocketAddress target(Function<String, ControlReply> answer) throws Exception {
        return target(RelayOptions.DEFAULTS, answer);
    }

    /** As above, with the target daemon's relay options (its migration encryption setting). */
    private InetSocketAddress target(RelayOptions options, Function<String, ControlReply> answer) throws Exception {
        target = MigrationListener.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), secret, options);
        target.onControl(ControlChannel.serving(request -> {
            String op = switch (request) {
                case ControlRequest.Prepare p -> "prepare";
                case ControlRequest.Commit c -> "commit";
                case ControlRequest.Abort a -> "abort";
                case ControlRequest.Fence f -> "fence";
            };
            controlOps.add(op);
            return answer.apply(op);
        }));
        return target.address();
    }

    /**
     * A source QEMU without a root disk that answers {@code query-migrate} with {@code migrate}, and
     * with "cancelled" once it was told {@code migrate_cancel}.
     */
    private static final class ScriptedQemu implements QmpChannel {
        final List<String> commands = Collections.synchronizedList(new ArrayList<>());
        volatile String migrate = "{\"status\":\"active\",\"ram\":{\"transferred\":1,\"remaining\":1,\"total\":2}}";
        volatile String runState = "running";
        /** Answers to {@code query-migrate} before {@link #migrate}, in order. */
        final Deque<String> migrateFirst = new ConcurrentLinkedDeque<>();

        @Override
        public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
            commands.add(command);
            if (command.equals("migrate_cancel")) {
                migrate = "{\"status\":\"cancelled\"}";
            }
            try {
                String answer = switch (command) {
                    case "query-block", "query-hotpluggable-cpus", "query-block-jobs" -> "[]";
                    case "query-migrate" -> migrateFirst.isEmpty() ? migrate : migrateFirst.poll();
                    case "query-status" -> "{\"status\":\"" + runState + "\"}";
                    default -> "{}";
                };
                return CompletableFuture.completedFuture(JSON.readTree(answer));
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    private OutgoingMigration migration(InetSocketAddress to) {
        return migration(to, RelayOptions.DEFAULTS, true);
    }

    private OutgoingMigration migration(InetSocketAddress to, RelayOptions options) {
        return migration(to, options, true);
    }

    /**
     * A migration from a source daemon with {@code options} (its migration encryption setting), whose
     * QEMU can or cannot migrate a VM after a vCPU unplug.
     */
    private OutgoingMigration migration(InetSocketAddress to, RelayOptions options, boolean migrateAfterCpuUnplugSafe) {
        NodeContext node = new NodeContext("node-a", null, QemuVmConfig.Accel.tcg, null, null, null, events, null,
                "vmflex", true, migrateAfterCpuUnplugSafe, 1 << 20, 2 << 20, null, Clock.systemUTC());
        UUID id = UUID.randomUUID();
        MigrationStatus initial = MigrationStatus.preparing(id.toString(), "vm1",
                to.getHostString() + ":" + to.getPort(), options.encryption(), node.clock().instant());
        return new OutgoingMigration(new OutgoingMigration.Request(id, to, 300, 1000, 1, MigrationTimeouts.DEFAULTS),
                secret, options, node, initial, published::add, new SocketControlPath(to, secret, options));
    }

    private HandedVm vm(ScriptedQemu qemu) throws Exception {
        return vm(qemu, 0);
    }

    /** The VM, its QEMU asked for {@code cpuUnplugs} vCPU unplugs so far. */
    private HandedVm vm(ScriptedQemu qemu, int cpuUnplugs) throws Exception {
        VirtualMachine vm = JSON.readValue("""
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"vm1"},
                 "spec":{"guest":{"cpus":{"min":1,"use":1,"max":2},"memorySlotSize":"128Mi",
                                  "memorySlots":{"min":2,"use":2,"max":2}}}}""", VirtualMachine.class);
        QemuRuntime runtime = new QemuRuntime(1, 1, "tcg", Instant.EPOCH, 1, 2, 256L << 20, 0, 32, 1, cpuUnplugs);
        return new HandedVm("vm1", vm, SpecView.of(vm), new VmPaths(dir), runtime, new QmpOps(qemu, Duration.ofSeconds(2)));
    }

    private MigrationStatus last() {
        return published.getLast();
    }

    @Test
    void shouldRefuseBeforeTouchingTheTargetWhenAVcpuWasUnpluggedFromAQemuThatThenCannotMigrate() throws Exception {
        OutgoingMigration m = migration(target(op -> new ControlReply.Done()), RelayOptions.DEFAULTS, false);
        ScriptedQemu qemu = new ScriptedQemu();
        assertFalse(m.run(vm(qemu, 1), s -> { }));
        assertEquals(MigrationPhase.Failed, last().phase());
        assertEquals("NotMigratable", last().reason());
        assertTrue(last().message().contains("vCPU was unplugged") && last().message().contains("keeps running here"), last().message());
        assertEquals(List.of(), controlOps, "nothing asked of the target");
        assertFalse(qemu.commands.contains("migrate"));
        assertFalse(qemu.commands.contains("stop"));
    }

    /** A QEMU that can migrate after an unplug, or one that never had an unplug: on to the target. */
    @ParameterizedTest
    @CsvSource({"true, 1", "false, 0"})
    void shouldGoOnToTheTargetWhenTheUnplugFaultCannotBite(boolean migrateAfterCpuUnplugSafe, int cpuUnplugs) throws Exception {
        OutgoingMigration m = migration(target(op -> new ControlReply.Refused("no room")), RelayOptions.DEFAULTS,
                migrateAfterCpuUnplugSafe);
        assertFalse(m.run(vm(new ScriptedQemu(), cpuUnplugs), s -> { }));
        assertEquals("PrepareFailed", last().reason(), "went on to ask the target");
        assertEquals(List.of("prepare"), controlOps);
    }

    @Test
    void shouldStayWithoutAbortingTheTargetWhenItRefusesToPrepare() throws Exception {
        OutgoingMigration m = migration(target(op -> new ControlReply.Refused("no room")));
        ScriptedQemu qemu = new ScriptedQemu();
        assertFalse(m.run(vm(qemu), s -> { }));
        assertEquals(MigrationPhase.Failed, last().phase());
        assertEquals("PrepareFailed", last().reason());
        assertTrue(last().message().startsWith("target refused prepare: no room"), last().message());
        assertEquals(List.of("prepare"), controlOps);
        assertTrue(qemu.commands.contains("migrate_cancel"));
        assertFalse(qemu.commands.contains("migrate"));
        assertFalse(qemu.commands.contains("cont"));
    }

    @Test
    void shouldResumeTheGuestAndAbortTheTargetWhenQemuFailsTheStream() throws Exception {
        OutgoingMigration m = migration(target(op -> new ControlReply.Done()));
        ScriptedQemu qemu = new ScriptedQemu();
        qemu.migrate = "{\"status\":\"failed\",\"error-desc\":\"boom\"}";
        qemu.runState = "postmigrate";
        assertFalse(m.run(vm(qemu), s -> { }));
        assertEquals(MigrationPhase.Failed, last().phase());
        assertEquals("QemuFailed", last().reason());
        assertTrue(last().message().startsWith("QEMU reports the migration failed: boom"), last().message());
        assertTrue(qemu.commands.contains("migrate"));
        assertTrue(qemu.commands.contains("cont"));
        assertEquals(List.of("prepare", "abort"), controlOps);
        assertFalse(Files.exists(InterruptedMigration.file(new VmPaths(dir))), "outgoing.json must go with the roll-back");
    }

    @Test
    void shouldRollBackAndAbortTheTargetWhenCancelledBeforeTheStream() throws Exception {
        OutgoingMigration m = migration(target(op -> new ControlReply.Done()));
        ScriptedQemu qemu = new ScriptedQemu();
        assertEquals(Signals.CancelAnswer.ACCEPTED, m.requestCancel());
        assertFalse(m.run(vm(qemu), s -> { }));
        assertEquals(MigrationPhase.Cancelled, last().phase());
        assertTrue(last().message().startsWith("cancelled by the operator"), last().message());
        assertFalse(qemu.commands.contains("migrate"));
        assertEquals(List.of("prepare", "abort"), controlOps);
    }

    @Test
    void shouldLetQemuGoOnOnceAndCommitWhenItPausesBeforeTheSwitchOver() throws Exception {
        OutgoingMigration m = migration(target(op -> op.equals("commit")
                ? new ControlReply.Committed(1000) : new ControlReply.Done()));
        ScriptedQemu qemu = new ScriptedQemu();
        String paused = "{\"status\":\"pre-switchover\",\"ram\":{\"transferred\":9,\"remaining\":1,\"total\":10}}";
        qemu.migrateFirst.add(paused);
        qemu.migrateFirst.add(paused); // QEMU may still say so after migrate-continue
        qemu.migrate = "{\"status\":\"completed\",\"downtime\":5,\"ram\":{\"transferred\":10,\"remaining\":0,\"total\":10}}";
        assertTrue(m.run(vm(qemu), s -> { }));
        assertEquals(1, qemu.commands.stream().filter("migrate-continue"::equals).count());
        assertEquals(MigrationPhase.Completed, last().phase());
        assertEquals(List.of("prepare", "commit"), controlOps);
    }

    @Test
    void shouldMoveTheVmAndRefuseLateCancelsWhenTheTargetAcceptsTheCommit() throws Exception {
        OutgoingMigration m = migration(target(op -> op.equals("commit")
                ? new ControlReply.Committed(1500) : new ControlReply.Done()));
        ScriptedQemu qemu = new ScriptedQemu();
        qemu.migrate = "{\"status\":\"completed\",\"downtime\":20,\"ram\":{\"transferred\":10,\"remaining\":0,\"total\":10}}";
        List<MigrationStatus> seen = new ArrayList<>();
        assertTrue(m.run(vm(qemu), seen::add));
        assertEquals(MigrationPhase.Completed, last().phase());
        assertEquals(MigrationPhase.Preparing, seen.getFirst().phase());
        assertEquals(last(), seen.getLast());
        assertEquals(20, last().downtimeMs());
        assertTrue(last().switchoverMs() >= 21, "QEMU's downtime plus the target's 1.5 ms: " + last().switchoverMs());
        assertEquals(List.of("prepare", "commit"), controlOps);
        assertFalse(qemu.commands.contains("migrate_cancel"));
        assertFalse(Files.exists(InterruptedMigration.file(new VmPaths(dir))));
        assertEquals(Signals.CancelAnswer.TOO_LATE, m.requestCancel());
        assertEquals(1, events.recent().stream().filter(e -> e.reason().equals("Migrated")).count());
    }

    @Test
    void shouldFailPrepareWithAOneLineReasonWhenThisDaemonSendsInClearAndTheTargetRequiresEncryption() throws Exception {
        OutgoingMigration m = migration(target(op -> new ControlReply.Done()), RelayOptions.DEFAULTS.withEncryption(false));
        ScriptedQemu qemu = new ScriptedQemu();
        assertFalse(m.run(vm(qemu), s -> { }));
        assertEquals(MigrationPhase.Failed, last().phase());
        assertEquals("PrepareFailed", last().reason());
        assertTrue(last().message().contains("ENCRYPTION_REQUIRED") && last().message().contains("both ends must have the same setting"),
                last().message());
        assertFalse(last().message().contains("\n"), last().message());
        assertEquals(MigrationStatus.IN_CLEAR, last().encryption());
        assertEquals(List.of(), controlOps, "the target's handler never saw a request");
        assertFalse(qemu.commands.contains("migrate"));
    }

    @Test
    void shouldMigrateInClearAndSaySoWhenBothDaemonsOptedOut() throws Exception {
        RelayOptions off = RelayOptions.DEFAULTS.withEncryption(false);
        OutgoingMigration m = migration(target(off, op -> op.equals("commit")
                ? new ControlReply.Committed(1000) : new ControlReply.Done()), off);
        ScriptedQemu qemu = new ScriptedQemu();
        qemu.migrate = "{\"status\":\"completed\",\"downtime\":5,\"ram\":{\"transferred\":10,\"remaining\":0,\"total\":10}}";
        assertTrue(m.run(vm(qemu), s -> { }));
        assertEquals(MigrationPhase.Completed, last().phase());
        assertEquals(MigrationStatus.IN_CLEAR, last().encryption());
        assertEquals(List.of("prepare", "commit"), controlOps);
        assertTrue(events.recent().stream().anyMatch(e -> e.reason().equals("Migrated") && e.message().endsWith("encryption none)")),
                events.recent().toString());
    }

    @Test
    void shouldRecordAnEncryptedMigrationByDefault() throws Exception {
        OutgoingMigration m = migration(target(op -> op.equals("commit")
                ? new ControlReply.Committed(1000) : new ControlReply.Done()));
        ScriptedQemu qemu = new ScriptedQemu();
        qemu.migrate = "{\"status\":\"completed\",\"downtime\":5,\"ram\":{\"transferred\":10,\"remaining\":0,\"total\":10}}";
        assertTrue(m.run(vm(qemu), s -> { }));
        assertEquals(MigrationStatus.ENCRYPTED, last().encryption());
    }
}
