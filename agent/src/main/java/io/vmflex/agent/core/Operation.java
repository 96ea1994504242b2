package io.vmflex.agent.core;

/**
 * The one operation a VM's state machine runs at a time, with what it waits for.
 *
 * <pre>
 *  Idle --goal above use, permit short--> AwaitingPermit --granted--> Applying(up) --applied--> NotifyingMonitor --> Idle
 *  Idle --goal above use, permit covers--> Applying(up)
 *  Idle --goal lower for the window-----> AwaitingApproval --approved--> Applying(down) --applied--> Releasing --> Idle
 *  any --failure, denial, 409, timeout--> Idle (with a retry time or a hold in the state)
 * </pre>
 */
public sealed interface Operation {

    /** When it started, for the timeout; Idle never times out. */
    long startedAtMs();

    record Idle() implements Operation {
        @Override
        public long startedAtMs() {
            return Long.MAX_VALUE;
        }
    }

    /** {@code refresh}: a periodic permit request with no increase asked. */
    record AwaitingPermit(Chain chain, Allocation requested, boolean refresh, long startedAtMs) implements Operation {
    }

    record Applying(Chain chain, Allocation target, long revision, long startedAtMs) implements Operation {
    }

    /** {@code retry}: a lone retry of a failed notification; it reports no latency. */
    record NotifyingMonitor(Chain chain, Allocation granted, boolean retry, long startedAtMs) implements Operation {
    }

    record AwaitingApproval(Chain chain, Allocation target, long startedAtMs) implements Operation {
    }

    /** {@code retry}: a lone retry of a failed release; it reports no latency. */
    record Releasing(Chain chain, Allocation newUse, boolean retry, long startedAtMs) implements Operation {
    }

    Idle IDLE = new Idle();
}
