package io.vmflex.vmm.migration.incoming;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs every step of one cleanup whatever the steps before it did, and remembers what failed: a
 * failing step must not leave the ones after it undone (the last of them releases the VM's name,
 * without which every create of that name is refused).
 *
 * <p>Not thread-safe: one cleanup on one thread.
 */
final class Cleanup {
    private static final Logger LOG = LoggerFactory.getLogger(Cleanup.class);

    /** One step; may throw. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private final String vm;
    private final List<String> failures = new ArrayList<>();

    Cleanup(String vm) {
        this.vm = vm;
    }

    /** Runs {@code step}; a failure is logged and kept, and the cleanup goes on. */
    Cleanup step(String what, Step step) {
        try {
            step.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(what, e);
        } catch (Exception e) {
            fail(what, e);
        }
        return this;
    }

    private void fail(String what, Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        failures.add(what + ": " + m);
        LOG.warn("vm={} cleanup step failed, going on with the rest: {}: {}", vm, what, m);
    }

    /** What failed, one entry per step; empty when all went well. */
    List<String> failures() {
        return List.copyOf(failures);
    }
}
