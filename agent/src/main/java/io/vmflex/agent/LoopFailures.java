package io.vmflex.agent;

import org.slf4j.Logger;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs an unexpected exception of one of the agent's loops, which then go on: the first with its
 * stack trace, then one line per 100 so that a failure repeating every tick does not flood the log.
 */
final class LoopFailures {
    private final Logger log;
    private final AtomicLong count = new AtomicLong();

    LoopFailures(Logger log) {
        this.log = log;
    }

    void report(String loop, RuntimeException e) {
        long n = count.incrementAndGet();
        if (n == 1) {
            log.error("agent {} failed, going on", loop, e);
        } else if (n % 100 == 0) {
            log.error("agent {} failed again ({} failures so far): {}", loop, n, e.toString());
        }
    }
}
