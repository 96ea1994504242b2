package io.vmflex.vmm.supervisor;

import java.util.concurrent.ThreadFactory;

/**
 * The one thread that may touch a supervisor's state. The supervisor's executor makes its thread
 * through {@link #factory}; code that must run only there calls {@link #check}, which turns a
 * callback that forgot to hand its work over (a QMP I/O thread, a console or channel thread, an
 * API thread) into an error at the call instead of a rare race.
 *
 * <p>Thread-safe.
 */
final class OwnerThread {
    private final String vm;
    private volatile Thread owner;

    OwnerThread(String vm) {
        this.vm = vm;
    }

    /** Makes the supervisor's thread (the executor may make another if one died) and remembers it. */
    ThreadFactory factory(ThreadFactory threads) {
        return r -> {
            Thread t = threads.newThread(r);
            owner = t;
            return t;
        };
    }

    /** @throws IllegalStateException when called from any thread but the owner */
    void check(String what) {
        Thread current = Thread.currentThread();
        if (current != owner) {
            throw new IllegalStateException("vm=" + vm + ": " + what + " on thread \"" + current.getName()
                    + "\"; only the supervisor's own thread may do that (hand the work to it)");
        }
    }
}
