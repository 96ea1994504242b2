package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.RestartPolicy;
import io.vmflex.api.vm.VmPhase;

import java.time.Duration;

/**
 * What the supervisor does after QEMU stopped: how the exit counts, whether to start QEMU again,
 * and how long to wait first. Pure functions of the facts; no clock, no I/O.
 *
 * <p>Stateless; any thread.
 */
final class RestartPolicyDecider {
    /** The longest wait between two failed starts. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private RestartPolicyDecider() {
    }

    /**
     * Whether QEMU should run now. A VM that never ran starts whatever its policy; after that the
     * policy decides on the last phase ({@code OnFailure} does not restart a guest that shut down).
     */
    static boolean shouldRun(boolean everLaunched, RestartPolicy policy, VmPhase lastPhase) {
        if (!everLaunched) {
            return true;
        }
        return switch (policy) {
            case Always -> true;
            case OnFailure -> lastPhase != VmPhase.Succeeded;
            case Never -> false;
        };
    }

    /**
     * How an exit counts: Succeeded only when the guest asked for it and we saw it exit; an exit
     * while the daemon was away cannot be told apart from a crash, so it is Failed.
     */
    static VmPhase exitPhase(boolean guestShutdown, boolean whileAway) {
        return guestShutdown && !whileAway ? VmPhase.Succeeded : VmPhase.Failed;
    }

    /** The wait before the next start after an exit with {@code outcome}: none after a clean shutdown. */
    static Duration relaunchDelay(VmPhase outcome, int restartCount) {
        return outcome == VmPhase.Succeeded ? Duration.ZERO : backoff(restartCount);
    }

    /** 1 s doubling with every restart, at most {@link #MAX_BACKOFF}. */
    static Duration backoff(int restartCount) {
        long secs = 1L << Math.min(restartCount, 5);
        Duration d = Duration.ofSeconds(secs);
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }
}
