package io.vmflex.vmm.migration.incoming;

import io.vmflex.migration.ControlReply;
import io.vmflex.vmm.migration.incoming.ArrivalRules.Act;
import io.vmflex.vmm.migration.incoming.ArrivalRules.Rule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ArrivalRulesTest {
    private static final UUID ID = UUID.fromString("6a1d2b0c-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
    private static final ArrivalState UNKNOWN = new ArrivalState.Unknown();
    private static final ArrivalState PENDING = new ArrivalState.Pending();
    private static final ArrivalState COMMITTED = new ArrivalState.Committed(812);
    private static final ArrivalState DROPPED = new ArrivalState.Dropped("the source aborted");
    private static final List<ArrivalInput> REQUESTS = List.of(new ArrivalInput.Prepare(), new ArrivalInput.Commit(),
            new ArrivalInput.Fence(false), new ArrivalInput.Fence(true), new ArrivalInput.Drop("TTL"));

    private static Rule step(ArrivalState s, ArrivalInput in) {
        return ArrivalRules.step(ID, s, in);
    }

    @Test
    void shouldDropAPendingCopyOnAFenceSoThatNoCommitCanFollow() {
        Rule fence = step(PENDING, new ArrivalInput.Fence(false));
        assertEquals(new Rule(new ArrivalState.Dropped("fenced by the source"), Act.DISCARD,
                new ControlReply.Fenced(ControlReply.Outcome.DROPPED)), fence);
        Rule lateCommit = step(fence.next(), new ArrivalInput.Commit());
        assertEquals(Act.NONE, lateCommit.act());
        assertEquals(fence.next(), lateCommit.next());
        assertInstanceOf(ControlReply.Refused.class, lateCommit.reply());
    }

    @Test
    void shouldReportACommittedMigrationCommittedToAFenceAndToARepeatedCommit() {
        assertEquals(new Rule(COMMITTED, Act.NONE, new ControlReply.Fenced(ControlReply.Outcome.COMMITTED)),
                step(COMMITTED, new ArrivalInput.Fence(false)));
        assertEquals(new Rule(COMMITTED, Act.NONE, new ControlReply.Committed(812)),
                step(COMMITTED, new ArrivalInput.Commit()));
    }

    @Test
    void shouldAnswerAFenceOfAnUnknownMigrationByWhetherTheVmRunsHere() {
        // A restarted target: the commit passed (the VM runs here) or it did not (the leftovers went).
        assertEquals(new Rule(new ArrivalState.Committed(-1), Act.NONE, new ControlReply.Fenced(ControlReply.Outcome.COMMITTED)),
                step(UNKNOWN, new ArrivalInput.Fence(true)));
        Rule dropped = step(UNKNOWN, new ArrivalInput.Fence(false));
        assertEquals(new ControlReply.Fenced(ControlReply.Outcome.DROPPED), dropped.reply());
        assertInstanceOf(ControlReply.Refused.class, step(dropped.next(), new ArrivalInput.Prepare()).reply());
        assertInstanceOf(ControlReply.Refused.class, step(dropped.next(), new ArrivalInput.Commit()).reply());
    }

    @Test
    void shouldRememberAnAbortThatOvertookItsPrepare() {
        Rule abort = step(UNKNOWN, new ArrivalInput.Drop("the source aborted"));
        assertEquals(new Rule(DROPPED, Act.NONE, new ControlReply.Done()), abort);
        Rule prepare = step(abort.next(), new ArrivalInput.Prepare());
        assertEquals(Act.NONE, prepare.act(), "the late prepare must make nothing");
        assertInstanceOf(ControlReply.Refused.class, prepare.reply());
    }

    @Test
    void shouldRunTheCommitOnlyFromPendingAndSettleByItsOutcome() {
        assertEquals(new Rule(PENDING, Act.COMMIT, null), step(PENDING, new ArrivalInput.Commit()));
        assertEquals(new Rule(new ArrivalState.Committed(40), Act.NONE, new ControlReply.Committed(40)),
                step(PENDING, new ArrivalInput.Resumed(40)));
        Rule failed = step(PENDING, new ArrivalInput.CommitFailed("incoming migration is failed"));
        assertEquals(Act.DISCARD, failed.act());
        assertEquals(new ArrivalState.Dropped("commit failed: incoming migration is failed"), failed.next());
        assertEquals(new ControlReply.Refused("commit failed: incoming migration is failed"), failed.reply());
        assertEquals(new Rule(new ArrivalState.Dropped("a commit came before any prepare"), Act.NONE,
                new ControlReply.Refused("no prepared migration " + ID)), step(UNKNOWN, new ArrivalInput.Commit()));
    }

    @Test
    void shouldPrepareOnlyAnUnknownMigration() {
        assertEquals(new Rule(UNKNOWN, Act.PREPARE, null), step(UNKNOWN, new ArrivalInput.Prepare()));
        assertEquals(new Rule(PENDING, Act.NONE, new ControlReply.Done()), step(UNKNOWN, new ArrivalInput.Prepared()));
        assertEquals(new Rule(new ArrivalState.Dropped("no room"), Act.NONE, new ControlReply.Refused("no room")),
                step(UNKNOWN, new ArrivalInput.PrepareFailed("no room")));
        for (ArrivalState s : List.of(PENDING, COMMITTED, DROPPED)) {
            Rule r = step(s, new ArrivalInput.Prepare());
            assertEquals(new Rule(s, Act.NONE, r.reply()), r);
            assertInstanceOf(ControlReply.Refused.class, r.reply());
        }
    }

    @Test
    void shouldNeverDropACommittedVm() {
        Rule r = step(COMMITTED, new ArrivalInput.Drop("TTL"));
        assertEquals(Act.NONE, r.act());
        assertEquals(COMMITTED, r.next());
        assertInstanceOf(ControlReply.Refused.class, r.reply());
    }

    @Test
    void shouldNeverChangeASettledMigrationWhateverIsAsked() {
        for (ArrivalState settled : List.of(COMMITTED, DROPPED)) {
            for (ArrivalInput in : REQUESTS) {
                Rule r = step(settled, in);
                assertEquals(settled, r.next(), settled + " on " + in);
                assertEquals(Act.NONE, r.act(), settled + " on " + in);
                assertNotNull(r.reply(), settled + " on " + in);
            }
        }
    }

    @Test
    void shouldAnswerEveryRequestThatNeedsNoFurtherStep() {
        for (ArrivalState s : List.of(UNKNOWN, PENDING, COMMITTED, DROPPED)) {
            for (ArrivalInput in : REQUESTS) {
                Rule r = step(s, in);
                boolean more = r.act() == Act.PREPARE || r.act() == Act.COMMIT;
                assertEquals(more, r.reply() == null, s + " on " + in);
            }
        }
    }

    @Test
    void shouldRejectOutcomesOfIoThatWasNeverAskedFor() {
        assertThrows(IllegalStateException.class, () -> step(DROPPED, new ArrivalInput.Resumed(1)));
        assertThrows(IllegalStateException.class, () -> step(COMMITTED, new ArrivalInput.CommitFailed("x")));
        assertThrows(IllegalStateException.class, () -> step(PENDING, new ArrivalInput.Prepared()));
        assertThrows(IllegalStateException.class, () -> step(UNKNOWN, new ArrivalInput.Resumed(1)));
    }
}
