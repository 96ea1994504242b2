package io.vmflex.vmm.migration.incoming;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A point in a step of the code under test where a test can hold it: unarmed it lets everyone
 * through; armed, the first thread to reach it waits there until the test releases it.
 *
 * <p>Thread-safe.
 */
public final class StepGate {
    private static final long WAIT_SECONDS = 20;
    private volatile CountDownLatch reached = new CountDownLatch(1);
    private volatile CountDownLatch release;

    /** The next thread to {@link #pass} waits until {@link #release}. */
    public void arm() {
        reached = new CountDownLatch(1);
        release = new CountDownLatch(1);
    }

    /** Called by the code under test at the step. */
    void pass() throws InterruptedException {
        CountDownLatch r = release;
        if (r == null) {
            return;
        }
        reached.countDown();
        if (!r.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test never released the step");
        }
    }

    /** Waits until a thread waits at the step. */
    public void awaitReached() throws InterruptedException {
        if (!reached.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("nothing reached the step");
        }
    }

    /** Lets the waiting thread go on, and everyone after it. */
    public void release() {
        CountDownLatch r = release;
        release = null;
        if (r != null) {
            r.countDown();
        }
    }
}
