package io.vmflex.vmm.migration.incoming;

import io.vmflex.migration.ControlReply;

import java.util.UUID;

/**
 * The target's rules for one incoming migration, as a pure step: the state and what happened give
 * the next state, what to do about the copy, and the answer for the source. No I/O, no clock.
 *
 * <pre>
 *  Unknown --Prepare--> (prepare the copy) --Prepared--> Pending --Commit--> (load, commit point, cont)
 *     |                        |                           |                  |            |
 *     |                        +--PrepareFailed--+         |             Resumed|   CommitFailed
 *     |                                          v         |                  v            v
 *     +--Commit, Drop, Fence(not here)------> Dropped <----+--Drop, Fence-- Committed   Dropped
 *     +--Fence(VM runs here)--> Committed
 * </pre>
 *
 * The fence is what makes a lost commit answer safe: it runs under the same lock as the commit, so
 * it sees the commit either not begun (then it drops the copy, and every later commit is refused)
 * or ended (then it reports how); never half done. Once Committed or Dropped, a migration stays so.
 *
 * <p>Stateless; thread-safe.
 */
final class ArrivalRules {

    /** What to do about the copy before answering. */
    enum Act {
        /** nothing */
        NONE,
        /** make the paused copy, then step with {@link ArrivalInput.Prepared} or {@link ArrivalInput.PrepareFailed} */
        PREPARE,
        /** resume the copy, then step with {@link ArrivalInput.Resumed} or {@link ArrivalInput.CommitFailed} */
        COMMIT,
        /** remove the copy: its QEMU, NIC, folder, and the hold on its name */
        DISCARD
    }

    /**
     * @param reply the answer for the source; null with {@link Act#PREPARE} and {@link Act#COMMIT}, whose
     *              answer comes from the step that follows their outcome
     */
    record Rule(ArrivalState next, Act act, ControlReply reply) {
    }

    private ArrivalRules() {
    }

    static Rule step(UUID id, ArrivalState state, ArrivalInput input) {
        return switch (input) {
            case ArrivalInput.Prepare p -> switch (state) {
                // Unknown -- Prepare --> (prepare the copy)
                case ArrivalState.Unknown u -> new Rule(u, Act.PREPARE, null);
                default -> stay(state, refused("migration " + id + " is " + describe(state) + " here already"));
            };
            case ArrivalInput.Prepared p -> switch (state) {
                // (prepare the copy) -- Prepared --> Pending
                case ArrivalState.Unknown u -> new Rule(new ArrivalState.Pending(), Act.NONE, new ControlReply.Done());
                default -> throw impossible(state, input);
            };
            case ArrivalInput.PrepareFailed f -> switch (state) {
                // (prepare the copy) -- PrepareFailed --> Dropped
                case ArrivalState.Unknown u -> new Rule(new ArrivalState.Dropped(f.why()), Act.NONE, refused(f.why()));
                default -> throw impossible(state, input);
            };
            case ArrivalInput.Commit c -> switch (state) {
                // Pending -- Commit --> (load, commit point, cont)
                case ArrivalState.Pending p -> new Rule(p, Act.COMMIT, null);
                // A commit sent twice: the copy runs, say so again (a refusal would make the source resume too).
                case ArrivalState.Committed k -> stay(k, new ControlReply.Committed(k.resumedInMicros()));
                case ArrivalState.Dropped d -> stay(d, refused("migration " + id + " was dropped here (" + d.why()
                        + "); it is never committed"));
                // Unknown -- Commit --> Dropped: nothing to resume, and nothing prepared later may be
                case ArrivalState.Unknown u -> new Rule(new ArrivalState.Dropped("a commit came before any prepare"),
                        Act.NONE, refused("no prepared migration " + id));
            };
            case ArrivalInput.Resumed r -> switch (state) {
                // (load, commit point, cont) -- Resumed --> Committed
                case ArrivalState.Pending p -> new Rule(new ArrivalState.Committed(r.resumedInMicros()), Act.NONE,
                        new ControlReply.Committed(r.resumedInMicros()));
                default -> throw impossible(state, input);
            };
            case ArrivalInput.CommitFailed f -> switch (state) {
                // (load, commit point, cont) -- CommitFailed --> Dropped: the copy never ran, remove it
                case ArrivalState.Pending p -> new Rule(new ArrivalState.Dropped("commit failed: " + f.why()),
                        Act.DISCARD, refused("commit failed: " + f.why()));
                default -> throw impossible(state, input);
            };
            case ArrivalInput.Fence f -> switch (state) {
                // Pending -- Fence --> Dropped: the commit has not begun, and now never will
                case ArrivalState.Pending p -> new Rule(new ArrivalState.Dropped("fenced by the source"), Act.DISCARD,
                        new ControlReply.Fenced(ControlReply.Outcome.DROPPED));
                case ArrivalState.Committed k -> stay(k, new ControlReply.Fenced(ControlReply.Outcome.COMMITTED));
                case ArrivalState.Dropped d -> stay(d, new ControlReply.Fenced(ControlReply.Outcome.DROPPED));
                // Unknown -- Fence --> Committed when the VM runs here (a restarted daemon took it over), else Dropped
                case ArrivalState.Unknown u -> f.vmRunsHere()
                        ? new Rule(new ArrivalState.Committed(-1), Act.NONE, new ControlReply.Fenced(ControlReply.Outcome.COMMITTED))
                        : new Rule(new ArrivalState.Dropped("fenced before anything was prepared"), Act.NONE,
                                new ControlReply.Fenced(ControlReply.Outcome.DROPPED));
            };
            case ArrivalInput.Drop d -> switch (state) {
                // Pending -- Drop --> Dropped
                case ArrivalState.Pending p -> new Rule(new ArrivalState.Dropped(d.why()), Act.DISCARD, new ControlReply.Done());
                // The guest runs here: dropping it now would lose it.
                case ArrivalState.Committed k -> stay(k, refused("migration " + id + " is committed: the VM runs here"));
                case ArrivalState.Dropped x -> stay(x, new ControlReply.Done());
                // Unknown -- Drop --> Dropped: a prepare still on its way (it overtook an abort) is refused
                case ArrivalState.Unknown u -> new Rule(new ArrivalState.Dropped(d.why()), Act.NONE, new ControlReply.Done());
            };
        };
    }

    private static Rule stay(ArrivalState state, ControlReply reply) {
        return new Rule(state, Act.NONE, reply);
    }

    private static ControlReply.Refused refused(String why) {
        return new ControlReply.Refused(why);
    }

    static String describe(ArrivalState state) {
        return switch (state) {
            case ArrivalState.Unknown u -> "unknown";
            case ArrivalState.Pending p -> "prepared";
            case ArrivalState.Committed c -> "committed";
            case ArrivalState.Dropped d -> "dropped (" + d.why() + ")";
        };
    }

    private static IllegalStateException impossible(ArrivalState state, ArrivalInput input) {
        return new IllegalStateException(input + " cannot happen to a migration that is " + describe(state));
    }
}
