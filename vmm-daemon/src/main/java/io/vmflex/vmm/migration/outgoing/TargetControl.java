package io.vmflex.vmm.migration.outgoing;

import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

/**
 * The source's requests to the target daemon about one migration: {@code prepare}, {@code commit}
 * (over the connection opened ahead), {@code fence}, {@code abort}, as the typed records of the
 * control protocol. A reply is returned as it came; no reply is an {@link IOException}, after which
 * the target may or may not have acted (unless it is {@link ControlPath.NotDelivered}).
 *
 * <p>Thread-safe: each call opens its own connection (the commit's is held by {@link ControlPath.Held}).
 */
final class TargetControl {
    private static final Logger LOG = LoggerFactory.getLogger(TargetControl.class);
    static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(90);
    static final Duration SHORT_CONTROL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ABORT_GIVE_UP = Duration.ofMinutes(5);

    private final UUID id;
    private final ControlPath path;

    TargetControl(UUID id, ControlPath path) {
        this.id = id;
        this.path = path;
    }

    ControlReply prepare(ControlRequest.Prepare request) throws IOException {
        return path.call(request, CONTROL_TIMEOUT);
    }

    /** The commit, over the connection {@code link} holds ready. */
    ControlReply commit(ControlPath.Held link) throws IOException {
        return link.call(new ControlRequest.Commit(id), CONTROL_TIMEOUT);
    }

    /**
     * Settles a commit whose answer was lost: the target reports the VM committed, or drops its
     * copy for good. It may wait on the target for a commit still running there, hence the long timeout.
     */
    ControlReply fence(String vm) throws IOException {
        return path.call(new ControlRequest.Fence(id, vm), CONTROL_TIMEOUT);
    }

    /** Starts opening the connection for the commit. */
    ControlPath.Held openAhead() {
        return path.openAhead();
    }

    Duration retryPause() {
        return path.retryPause();
    }

    /** Tells the target to drop its copy; keeps trying in the background while it does not answer. */
    void abort(String vm) {
        if (tryAbort(vm)) {
            return;
        }
        long giveUp = System.nanoTime() + ABORT_GIVE_UP.toNanos();
        Thread.ofVirtual().name("migration-abort-" + id.toString().substring(0, 8)).start(() -> {
            while (System.nanoTime() < giveUp) {
                try {
                    Thread.sleep(path.retryPause().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                if (tryAbort(vm)) {
                    return;
                }
            }
            LOG.warn("vm={} migration {}: target never confirmed the abort; its incoming TTL removes it", vm, id);
        });
    }

    /** @return whether the target answered (a refusal is an answer: asking again would not change it) */
    private boolean tryAbort(String vm) {
        try {
            ControlReply reply = path.call(new ControlRequest.Abort(id), SHORT_CONTROL_TIMEOUT);
            if (!(reply instanceof ControlReply.Done)) {
                LOG.warn("vm={} target answered the abort of {} with {}", vm, id, reply);
            }
            return true;
        } catch (IOException e) {
            LOG.warn("vm={} target did not confirm the abort of {}: {}", vm, id, e.getMessage());
            return false;
        }
    }
}
