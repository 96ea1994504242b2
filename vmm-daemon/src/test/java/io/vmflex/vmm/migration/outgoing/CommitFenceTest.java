package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.RelayOptions;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.migration.incoming.FakeLanding;
import io.vmflex.vmm.migration.incoming.IncomingMigrations;
import io.vmflex.vmm.migration.incoming.StepGate;
import io.vmflex.vmm.migration.incoming.VmCopies;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.supervisor.HandedVm;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lost-commit interleavings, driven one by one: a source daemon's state machine
 * ({@link OutgoingMigration}, its QEMU a fake QMP channel) against a target daemon's control service
 * ({@link IncomingMigrations}, its QEMU a fake QMP channel, the commit's steps held by the test),
 * joined by a control path whose failures are scripted ({@link WirePath}). In every one: the guest
 * never runs on both nodes at once, it ends running on exactly one, and the next migration succeeds.
 */
class CommitFenceTest {
    private static final String VM = "vm1";
    private static final ObjectMapper JSON = ApiMapper.json();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final VmCopies copies = new VmCopies();
    private final EventBus events = new EventBus(100);
    private final List<MigrationStatus> published = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> runs = Collections.synchronizedList(new ArrayList<>());
    private final Node a = new Node("a");
    private final Node b = new Node("b");

    @TempDir
    Path dir;

    /** One node: the target side of its daemon, over a fake landing. */
    private final class Node {
        final String name;
        final FakeLanding landing;
        final IncomingMigrations incoming;

        Node(String name) {
            this.name = name;
            this.landing = new FakeLanding(name, copies);
            this.incoming = landing.service();
        }

        WirePath path() {
            return new WirePath(incoming);
        }
    }

    @AfterEach
    void noRunLeft() throws InterruptedException {
        for (Thread t : runs) {
            t.join(WAIT.toMillis());
            assertFalse(t.isAlive(), "a migration still runs: " + t);
        }
    }

    private Node nodeOf(FakeSourceQemu qemu) {
        return qemu.node().equals("a") ? a : b;
    }

    private Node other(Node n) {
        return n == a ? b : a;
    }

    /** The VM, running on node a. */
    private FakeSourceQemu vmOnA() {
        a.landing.runs(VM);
        return new FakeSourceQemu("a", copies);
    }

    private static VirtualMachine vm() {
        try {
            return JSON.readValue("""
                    {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"vm1"},
                     "spec":{"guest":{"cpus":{"min":1,"use":1,"max":2},"memorySlotSize":"128Mi",
                                      "memorySlots":{"min":2,"use":2,"max":2}}}}""", VirtualMachine.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private OutgoingMigration migration(Node to, WirePath path) {
        NodeContext node = new NodeContext("test", null, QemuVmConfig.Accel.tcg, null, null, null, events, null,
                "vmflex", true, true, 1 << 20, 2 << 20, null, Clock.systemUTC());
        UUID id = UUID.randomUUID();
        InetSocketAddress target = InetSocketAddress.createUnresolved("node-" + to.name, 7451);
        MigrationStatus initial = MigrationStatus.preparing(id.toString(), VM, "node-" + to.name + ":7451",
                RelayOptions.DEFAULTS.encryption(), node.clock().instant());
        return new OutgoingMigration(new OutgoingMigration.Request(id, target, 300, 1000, 1, MigrationTimeouts.DEFAULTS),
                ClusterSecret.of(new byte[32]), RelayOptions.DEFAULTS, node, initial, published::add, path);
    }

    /**
     * Runs one migration of the VM from {@code qemu}'s node to {@code to} on a thread of its own; when
     * it moved the VM, the source daemon stops its QEMU, as the registry does.
     */
    private CompletableFuture<Boolean> start(FakeSourceQemu qemu, Node to, WirePath path) throws IOException {
        Node from = nodeOf(qemu);
        Path vmDir = Files.createDirectories(dir.resolve(from.name + "-" + System.nanoTime()));
        VirtualMachine vm = vm();
        HandedVm handed = new HandedVm(VM, vm, SpecView.of(vm), new VmPaths(vmDir), null, new QmpOps(qemu, Duration.ofSeconds(2)));
        OutgoingMigration m = migration(to, path);
        CompletableFuture<Boolean> moved = new CompletableFuture<>();
        runs.add(Thread.ofVirtual().name("migration-" + from.name + "-" + to.name).start(() -> {
            try {
                boolean went = m.run(handed, s -> { });
                if (went) {
                    qemu.quit();
                    from.landing.left(VM);
                }
                moved.complete(went);
            } catch (Throwable e) {
                moved.completeExceptionally(e);
            }
        }));
        return moved;
    }

    private boolean migrate(FakeSourceQemu qemu, Node to, WirePath path) throws Exception {
        return start(qemu, to, path).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private Thread lastRun() {
        return runs.getLast();
    }

    private MigrationStatus last() {
        return published.getLast();
    }

    private void assertRunsOnlyOn(Node n) {
        assertEquals(List.of(), copies.overlaps(), "two copies ran at once");
        assertEquals(List.of(n.name), copies.runningOn());
        assertEquals(List.of(n.name), copies.heldOn(), "a paused copy was left behind");
    }

    /** Where the VM runs now, another migration to the other node succeeds. */
    private void assertNextMigrationSucceeds(Node runsOn, FakeSourceQemu qemu) throws Exception {
        FakeSourceQemu source = qemu != null ? qemu : new FakeSourceQemu(runsOn.name, copies);
        Node to = other(runsOn);
        assertTrue(migrate(source, to, to.path()), "the next migration: " + last());
        assertEquals(MigrationPhase.Completed, last().phase());
        assertRunsOnlyOn(to);
    }

    @Test
    void shouldMoveTheVmWhenTheCommitsAnswerIsLostAfterTheTargetResumedIt() throws Exception {
        FakeSourceQemu qa = vmOnA();
        WirePath wire = b.path().fault("commit", WirePath.Fault.LOSE_ANSWER);
        assertTrue(migrate(qa, b, wire));
        assertEquals(List.of("prepare", "commit", "fence"), wire.sent());
        assertFalse(qa.commands().contains("cont"), "the source must not resume its copy");
        assertEquals(MigrationPhase.Completed, last().phase());
        assertRunsOnlyOn(b);
        assertNextMigrationSucceeds(b, null);
    }

    @Test
    void shouldRefuseACommitThatLandsRightAfterTheFenceDroppedTheCopy() throws Exception {
        FakeSourceQemu qa = vmOnA();
        WirePath wire = b.path().fault("commit", WirePath.Fault.IN_FLIGHT);
        AtomicReference<ControlReply> late = new AtomicReference<>();
        // The commit the source gave up on lands after the fence was answered, before the source resumes.
        wire.afterAnswer("fence", () -> {
            try {
                late.set(wire.deliverInFlight());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertFalse(migrate(qa, b, wire));
        assertInstanceOf(ControlReply.Refused.class, late.get(), "the late commit must be refused");
        assertEquals(List.of("prepare", "commit", "fence"), wire.sent());
        FakeLanding.FakeCopy copy = b.landing.made().getFirst();
        assertFalse(copy.resumed(), "the target's copy must never run");
        assertEquals("fenced by the source", copy.discarded());
        assertFalse(b.landing.holdsName(VM));
        assertTrue(qa.commands().contains("cont"));
        assertEquals(MigrationPhase.Failed, last().phase());
        assertEquals("CommitFailed", last().reason());
        assertRunsOnlyOn(a);
        assertNextMigrationSucceeds(a, qa);
    }

    /** The fence arrives while the commit is held at one of its steps, under its lock. */
    @ParameterizedTest
    @ValueSource(strings = {"load", "commit point", "cont"})
    void shouldWaitForACommitInProgressAndThenReportItCommitted(String at) throws Exception {
        StepGate step = switch (at) {
            case "load" -> b.landing.loadStep;
            case "commit point" -> b.landing.commitPointStep;
            default -> b.landing.contStep;
        };
        step.arm();
        FakeSourceQemu qa = vmOnA();
        WirePath wire = b.path().slowAnswerHeldAt("commit", step);
        CompletableFuture<Boolean> moved = start(qa, b, wire);
        Thread source = lastRun();
        // The source gave up on the commit's answer and fences; the fence waits for the commit's lock.
        Awaitility.await().atMost(WAIT).until(() -> wire.sent().contains("fence")
                && (source.getState() == Thread.State.BLOCKED || moved.isDone()));
        step.release();
        assertTrue(moved.get(WAIT.toSeconds(), TimeUnit.SECONDS), "the fence must report the commit: " + last());
        assertEquals(new ControlReply.Committed(7), wire.unheardAnswers().getFirst().get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(List.of("prepare", "commit", "fence"), wire.sent());
        assertFalse(qa.commands().contains("cont"), "the source must not resume its copy");
        assertRunsOnlyOn(b);
        assertNextMigrationSucceeds(b, null);
    }

    @Test
    void shouldResumeTheSourceWhenTheCommitFailedOnTheTargetAndItsAnswerWasLost() throws Exception {
        b.landing.loadStatus = "failed";
        FakeSourceQemu qa = vmOnA();
        WirePath wire = b.path().fault("commit", WirePath.Fault.LOSE_ANSWER);
        assertFalse(migrate(qa, b, wire));
        assertEquals(List.of("prepare", "commit", "fence"), wire.sent());
        assertTrue(b.landing.made().getFirst().discarded().startsWith("commit failed"));
        assertEquals("CommitFailed", last().reason());
        assertRunsOnlyOn(a);
        b.landing.loadStatus = "completed";
        assertNextMigrationSucceeds(a, qa);
    }

    @Test
    void shouldFenceARefusedCommitBeforeResumingTheSource() throws Exception {
        b.landing.loadStatus = "failed";
        FakeSourceQemu qa = vmOnA();
        WirePath wire = b.path();
        assertFalse(migrate(qa, b, wire));
        assertEquals(List.of("prepare", "commit", "fence"), wire.sent());
        assertEquals("CommitRefused", last().reason());
        assertTrue(last().message().startsWith("target refused commit: commit failed: incoming migration is failed"),
                last().message());
        assertRunsOnlyOn(a);
        b.landing.loadStatus = "completed";
        assertNextMigrationSucceeds(a, qa);
    }

    @Test
    void shouldKeepFencingUntilTheTargetAnswersAndStayPausedMeanwhile() throws Exception {
        FakeSourceQemu qa = vmOnA();
        WirePath wire = b.path().fault("commit", WirePath.Fault.LOSE_ANSWER)
                .fault("fence", WirePath.Fault.NOT_DELIVERED).fault("fence", WirePath.Fault.LOSE_ANSWER);
        assertTrue(migrate(qa, b, wire));
        assertEquals(List.of("prepare", "commit", "fence", "fence", "fence"), wire.sent());
        assertFalse(qa.commands().contains("cont"));
        assertEquals(1, events.recent().stream().filter(e -> e.reason().equals("MigrationOutcomeUnknown")).count());
        assertRunsOnlyOn(b);
        assertNextMigrationSucceeds(b, null);
    }

    @Test
    void shouldAbortATargetWhosePrepareAnswerWasMerelySlow() throws Exception {
        b.landing.prepareStep.arm();
        FakeSourceQemu qa = vmOnA();
        WirePath wire = b.path().slowAnswerHeldAt("prepare", b.landing.prepareStep);
        CompletableFuture<Boolean> moved = start(qa, b, wire);
        Thread source = lastRun();
        // The source gave up waiting and aborts; the abort waits for the prepare's lock.
        Awaitility.await().atMost(WAIT).until(() -> wire.sent().contains("abort")
                && (source.getState() == Thread.State.BLOCKED || moved.isDone()));
        b.landing.prepareStep.release();
        assertFalse(moved.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(new ControlReply.Done(), wire.unheardAnswers().getFirst().get(WAIT.toSeconds(), TimeUnit.SECONDS),
                "the target did prepare");
        assertEquals(List.of("prepare", "abort"), wire.sent());
        assertEquals("the source aborted", b.landing.made().getFirst().discarded());
        assertFalse(b.landing.holdsName(VM), "the VM's name must be free on the target");
        assertEquals("PrepareFailed", last().reason());
        assertRunsOnlyOn(a);
        assertNextMigrationSucceeds(a, qa);
    }

    @Test
    void shouldRefuseAPrepareThatArrivesAfterItsAbort() throws Exception {
        FakeSourceQemu qa = vmOnA();
        WirePath wire = b.path().fault("prepare", WirePath.Fault.IN_FLIGHT);
        assertFalse(migrate(qa, b, wire));
        assertEquals(List.of("prepare", "abort"), wire.sent());
        assertInstanceOf(ControlReply.Refused.class, wire.deliverInFlight());
        assertEquals(List.of(), b.landing.made(), "nothing may be prepared for an aborted migration");
        assertFalse(b.landing.holdsName(VM));
        assertRunsOnlyOn(a);
        assertNextMigrationSucceeds(a, qa);
    }

    @Test
    void shouldNotAbortATargetThatNeverGotThePrepare() throws Exception {
        FakeSourceQemu qa = vmOnA();
        WirePath wire = b.path().fault("prepare", WirePath.Fault.NOT_DELIVERED);
        assertFalse(migrate(qa, b, wire));
        assertEquals(List.of("prepare"), wire.sent());
        assertRunsOnlyOn(a);
        assertNextMigrationSucceeds(a, qa);
    }

    private static ControlRequest.Prepare prepare(UUID id) {
        JsonNode vm = JSON.valueToTree(vm());
        return new ControlRequest.Prepare(id, vm, 1, 1, false, 30, List.of(), 0, null, null);
    }

    /** A source daemon that died with its commit on the way; the restarted one fences the target. */
    @Test
    void shouldSettleARestartedSourcesMigrationWhoseCommitIsStillOnItsWay() throws Exception {
        vmOnA();
        UUID id = UUID.randomUUID();
        WirePath wire = b.path();
        assertEquals(new ControlReply.Done(), wire.call(prepare(id), WAIT));
        wire.fault("commit", WirePath.Fault.IN_FLIGHT);
        assertNull(callQuietly(wire, new ControlRequest.Commit(id)));
        // The restarted source re-adopts its paused QEMU and finds outgoing.json.
        var marker = new InterruptedMigration.Marker(id, "node-b:7451");
        assertInstanceOf(InterruptedMigration.Decision.StaysHere.class, InterruptedMigration.ask(marker, VM, t -> wire));
        assertInstanceOf(ControlReply.Refused.class, wire.deliverInFlight(), "the late commit must be refused");
        assertFalse(b.landing.made().getFirst().resumed());
        assertRunsOnlyOn(a);
        assertInstanceOf(InterruptedMigration.Decision.StaysHere.class, InterruptedMigration.ask(marker, VM, t -> wire),
                "asked again, the same answer");
    }

    @Test
    void shouldTellARestartedSourceThatTheVmMovedWhenTheCommitLanded() throws Exception {
        FakeSourceQemu qa = vmOnA();
        UUID id = UUID.randomUUID();
        WirePath wire = b.path();
        assertEquals(new ControlReply.Done(), wire.call(prepare(id), WAIT));
        qa.execute("migrate", null);
        wire.fault("commit", WirePath.Fault.LOSE_ANSWER);
        assertNull(callQuietly(wire, new ControlRequest.Commit(id)));
        var marker = new InterruptedMigration.Marker(id, "node-b:7451");
        assertInstanceOf(InterruptedMigration.Decision.Moved.class, InterruptedMigration.ask(marker, VM, t -> wire));
        qa.quit();
        assertRunsOnlyOn(b);
    }

    @Test
    void shouldTellARestartedSourceWhatARestartedTargetHas() throws Exception {
        var marker = new InterruptedMigration.Marker(UUID.randomUUID(), "node-b:7451");
        // The target daemon restarted too: it remembers no migration, only whether the VM runs there.
        FakeLanding restarted = new FakeLanding("b", copies);
        WirePath wire = new WirePath(restarted.service());
        assertInstanceOf(InterruptedMigration.Decision.StaysHere.class, InterruptedMigration.ask(marker, VM, t -> wire));
        FakeLanding adopted = new FakeLanding("b", copies);
        adopted.runs(VM);
        WirePath wire2 = new WirePath(adopted.service());
        assertInstanceOf(InterruptedMigration.Decision.Moved.class,
                InterruptedMigration.ask(new InterruptedMigration.Marker(UUID.randomUUID(), "node-b:7451"), VM, t -> wire2));
    }

    private static ControlReply callQuietly(WirePath wire, ControlRequest r) {
        try {
            return wire.call(r, WAIT);
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void shouldNeverResumeTheSourceWhileTheFenceIsUnanswered() throws Exception {
        FakeSourceQemu qa = vmOnA();
        b.landing.contStep.arm();
        WirePath wire = b.path().slowAnswerHeldAt("commit", b.landing.contStep);
        CompletableFuture<Boolean> moved = start(qa, b, wire);
        Thread source = lastRun();
        Awaitility.await().atMost(WAIT).until(() -> source.getState() == Thread.State.BLOCKED || moved.isDone());
        assertFalse(moved.isDone(), "the source must wait for the fence's answer");
        assertEquals(List.of(), copies.runningOn(), "the guest is paused on both nodes meanwhile");
        b.landing.contStep.release();
        assertTrue(moved.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertRunsOnlyOn(b);
        assertNotNull(b.landing.made().getFirst());
    }
}
