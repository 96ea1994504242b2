package io.vmflex.vmm.migration.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.vmm.qemu.QmpOps;

/**
 * Keeps the source QEMU from stopping the guest before it has sent all of memory once, then lets it
 * switch over within the operator's {@code downtime-limit}.
 *
 * <p>Why: QEMU stops the guest as soon as its estimate of what is left fits {@code downtime-limit}
 * at the bandwidth it measures, and the estimate counts every page not yet sent, zero pages too,
 * which cost almost nothing to send. After a long stretch of zero pages in the first pass the
 * estimate drops below the limit while data further on is still unsent, and QEMU sends that data
 * with the guest stopped: at a 4 Gbit/s cap and 300 ms the benchmark's 1 GiB guest was stopped with
 * 2.5–108 MB left, depending only on where its data happened to lie, and a 640 MB copy without a
 * cap had 80–115 ms of downtime. So the migration starts with {@code downtime-limit}
 * {@link #HELD_LIMIT_MS} and gets the operator's limit when QEMU starts its second pass
 * ({@code ram.dirty-sync-count} 2), whose size is what the guest wrote during the first. QEMU
 * applies a new limit at its next 100 ms bandwidth update; until then it goes on sending what the
 * guest dirties, with the guest running (and switches over by itself if that drops below the held
 * limit's worth, which is the shortest pause there is).
 *
 * <p>Not thread-safe: one per migration, fed by the thread that watches it.
 */
public final class SwitchoverHold {
    /**
     * {@code downtime-limit} while the hold is on: a millisecond's worth at the measured bandwidth.
     * Not 0: with a threshold of 0, QEMU 10.0 takes an estimate of nothing left (the end of the first
     * pass) as done without syncing its dirty bitmap, and stops the guest with all it wrote during
     * the first pass still to send, however much that is.
     */
    public static final long HELD_LIMIT_MS = 1;
    /** QEMU's sync count once the first pass is done: sync 1 is the one that starts the migration. */
    private static final long SECOND_PASS = 2;

    private final long downtimeLimitMs;
    private boolean released;

    public SwitchoverHold(long downtimeLimitMs) {
        this.downtimeLimitMs = downtimeLimitMs;
    }

    /** The first pass is over when QEMU has synced its dirty bitmap a second time. */
    static boolean firstPassDone(JsonNode queryMigrate) {
        return queryMigrate.path("ram").path("dirty-sync-count").asLong(0) >= SECOND_PASS;
    }

    /**
     * Looks at one {@code query-migrate} answer of the source; when it shows the first pass done,
     * gives QEMU the operator's downtime limit (once).
     *
     * @return true if this call released the hold
     */
    public boolean observe(QmpOps source, JsonNode queryMigrate) throws QmpOps.QmpFailure {
        if (released || !firstPassDone(queryMigrate)) {
            return false;
        }
        ObjectNode limit = JsonNodeFactory.instance.objectNode();
        limit.put("downtime-limit", downtimeLimitMs);
        source.call("migrate-set-parameters", limit);
        released = true;
        return true;
    }
}
