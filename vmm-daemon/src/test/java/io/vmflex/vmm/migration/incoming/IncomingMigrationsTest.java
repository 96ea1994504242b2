package io.vmflex.vmm.migration.incoming;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The target's control service over a fake landing: what each request does to the node. */
class IncomingMigrationsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final VmCopies copies = new VmCopies();
    private final FakeLanding landing = new FakeLanding("b", copies);
    private final IncomingMigrations incoming = landing.service();

    private static ControlRequest.Prepare prepare(UUID id, String name) {
        JsonNode vm = ApiMapper.json().createObjectNode().put("apiVersion", "vm.neon.tech/v1").put("kind", "VirtualMachine")
                .set("metadata", ApiMapper.json().createObjectNode().put("name", name));
        return new ControlRequest.Prepare(id, vm, 1, 1, false, 30, List.of(), 0, null, null);
    }

    @Test
    void shouldPrepareCommitAndThenAnswerEveryQuestionAboutItTheSameWay() {
        UUID id = UUID.randomUUID();
        assertEquals(new ControlReply.Done(), incoming.handle(prepare(id, "vm1")));
        assertTrue(landing.holdsName("vm1"));
        assertEquals(new ControlReply.Committed(7), incoming.handle(new ControlRequest.Commit(id)));
        assertTrue(landing.runsHere("vm1"));
        assertFalse(landing.holdsName("vm1"));
        assertEquals(List.of("b"), copies.runningOn());
        assertEquals(new ControlReply.Fenced(ControlReply.Outcome.COMMITTED), incoming.handle(new ControlRequest.Fence(id, "vm1")));
        assertEquals(new ControlReply.Committed(7), incoming.handle(new ControlRequest.Commit(id)));
        assertInstanceOf(ControlReply.Refused.class, incoming.handle(new ControlRequest.Abort(id)));
        assertEquals(List.of("b"), copies.runningOn(), "nothing may drop a committed VM");
    }

    @Test
    void shouldRefuseToPrepareAVmThatRunsHereAndHoldNothing() {
        landing.runs("vm1");
        ControlReply r = incoming.handle(prepare(UUID.randomUUID(), "vm1"));
        assertEquals(new ControlReply.Refused("a VM named \"vm1\" exists on node b"), r);
        assertFalse(landing.holdsName("vm1"));
    }

    @Test
    void shouldSupersedeAnUncommittedCopyOfTheSameVm() {
        UUID old = UUID.randomUUID();
        UUID newer = UUID.randomUUID();
        assertEquals(new ControlReply.Done(), incoming.handle(prepare(old, "vm1")));
        assertEquals(new ControlReply.Done(), incoming.handle(prepare(newer, "vm1")));
        assertEquals("superseded by migration " + newer, landing.made().getFirst().discarded());
        assertNull(landing.made().get(1).discarded());
        assertTrue(landing.holdsName("vm1"), "the newer migration holds the name");
        assertInstanceOf(ControlReply.Refused.class, incoming.handle(new ControlRequest.Commit(old)));
        assertEquals(new ControlReply.Committed(7), incoming.handle(new ControlRequest.Commit(newer)));
    }

    @Test
    void shouldRefuseAPrepareWithAMigrationIdSeenBefore() {
        UUID id = UUID.randomUUID();
        assertEquals(new ControlReply.Done(), incoming.handle(prepare(id, "vm1")));
        assertInstanceOf(ControlReply.Refused.class, incoming.handle(prepare(id, "vm1")));
        assertEquals(1, landing.made().size());
    }

    @Test
    void shouldMakeAFenceWaitForAPrepareInProgressAndThenDropWhatItMade() throws Exception {
        UUID id = UUID.randomUUID();
        landing.prepareStep.arm();
        CompletableFuture<ControlReply> prepared = CompletableFuture.supplyAsync(() -> incoming.handle(prepare(id, "vm1")));
        landing.prepareStep.awaitReached();
        Thread[] fencing = new Thread[1];
        CompletableFuture<ControlReply> fenced = new CompletableFuture<>();
        fencing[0] = Thread.ofVirtual().start(() -> fenced.complete(incoming.handle(new ControlRequest.Fence(id, "vm1"))));
        Awaitility.await().atMost(WAIT).until(() -> fencing[0].getState() == Thread.State.BLOCKED);
        landing.prepareStep.release();
        assertEquals(new ControlReply.Done(), prepared.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(new ControlReply.Fenced(ControlReply.Outcome.DROPPED), fenced.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals("fenced by the source", landing.made().getFirst().discarded());
        assertFalse(landing.holdsName("vm1"));
    }

    @Test
    void shouldDropACopyThatCanNoLongerBeCommittedAndReleaseItsName() {
        UUID id = UUID.randomUUID();
        assertEquals(new ControlReply.Done(), incoming.handle(prepare(id, "vm1")));
        landing.made().getFirst().lose("the incoming QEMU exited");
        Awaitility.await().atMost(WAIT).until(() -> landing.made().getFirst().discarded() != null);
        assertEquals("the incoming QEMU exited", landing.made().getFirst().discarded());
        assertFalse(landing.holdsName("vm1"));
        assertInstanceOf(ControlReply.Refused.class, incoming.handle(new ControlRequest.Commit(id)));
    }

    @Test
    void shouldDropPendingCopiesButNoCommittedVmWhenTheDaemonStops() {
        UUID committed = UUID.randomUUID();
        UUID pending = UUID.randomUUID();
        incoming.handle(prepare(committed, "vm1"));
        incoming.handle(new ControlRequest.Commit(committed));
        incoming.handle(prepare(pending, "vm2"));
        incoming.close();
        assertNull(landing.made().getFirst().discarded());
        assertEquals("daemon stopping", landing.made().get(1).discarded());
        assertFalse(landing.holdsName("vm2"));
    }
}
