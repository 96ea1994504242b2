package io.vmflex.vmm.migration.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.vmm.qemu.QmpOps;

/**
 * The QMP capabilities and parameters of a migration, for both ends, in one place so that the
 * daemon and the migration benchmark's direct QEMU-to-QEMU baseline set exactly the same ones.
 *
 * <p>Multifd: {@code multifdChannels} 1 is a plain single-stream migration; N &ge; 2 turns on the
 * {@code multifd} capability with {@code multifd-channels} N on <em>both</em> QEMUs. QEMU then opens
 * one main connection plus N data connections ({@link #connections}), which is what the relay must
 * carry and the target listener must expect. On the target the capability and parameter must be set
 * before {@code migrate-incoming} (QEMU sizes the listen backlog from them and refuses multifd
 * otherwise), which needs {@code -incoming defer}.
 *
 * <p>Stateless; thread-safe.
 */
public final class MigrationTuning {
    private static final ObjectMapper JSON = ApiMapper.json();
    /** QEMU's own upper bound for {@code multifd-channels}. */
    public static final int MAX_MULTIFD_CHANNELS = 255;

    private MigrationTuning() {
    }

    /** @throws IllegalArgumentException unless 1 &le; n &le; {@value #MAX_MULTIFD_CHANNELS} */
    public static int checkChannels(int multifdChannels) {
        if (multifdChannels < 1 || multifdChannels > MAX_MULTIFD_CHANNELS) {
            throw new IllegalArgumentException("multifd channels must be in 1.." + MAX_MULTIFD_CHANNELS + ": " + multifdChannels);
        }
        return multifdChannels;
    }

    /** How many connections QEMU opens for a migration with this many multifd channels. */
    public static int connections(int multifdChannels) {
        return checkChannels(multifdChannels) == 1 ? 1 : multifdChannels + 1;
    }

    /**
     * Arguments of the source's {@code migrate-set-capabilities}.
     *
     * @param pauseBeforeSwitchover stop in {@code pre-switchover} with the guest paused so that the
     *                              disk mirror can be completed ({@link DiskMirror#finish}) before
     *                              the final pass; {@code migrate-continue} goes on
     */
    public static ObjectNode sourceCapabilities(int multifdChannels, boolean pauseBeforeSwitchover) {
        ObjectNode caps = JSON.createObjectNode();
        ArrayNode list = caps.putArray("capabilities");
        list.addObject().put("capability", "events").put("state", true);
        list.addObject().put("capability", "auto-converge").put("state", true);
        // Always explicit: capabilities outlive a migration, and a QEMU that came in by a multifd
        // migration (applyTarget turned multifd on) would otherwise send its next, single-stream
        // migration as multifd: the target, not expecting it, fails to load and exits.
        list.addObject().put("capability", "multifd").put("state", checkChannels(multifdChannels) > 1);
        list.addObject().put("capability", "pause-before-switchover").put("state", pauseBeforeSwitchover);
        return caps;
    }

    /**
     * Arguments of the source's {@code migrate-set-parameters}; the downtime limit is held at
     * {@link SwitchoverHold#HELD_LIMIT_MS} until the first pass is done.
     */
    public static ObjectNode sourceParameters(long maxBandwidthMbps, int multifdChannels) {
        ObjectNode params = JSON.createObjectNode();
        params.put("downtime-limit", SwitchoverHold.HELD_LIMIT_MS);
        params.put("max-bandwidth", maxBandwidthMbps * 1_000_000L / 8);
        if (checkChannels(multifdChannels) > 1) {
            params.put("multifd-channels", multifdChannels);
        }
        return params;
    }

    /**
     * Sets the source QEMU up; call before {@code migrate}.
     *
     * @return the hold on the switch-over, to be shown every {@code query-migrate} answer of this
     *         migration: it gives QEMU {@code downtimeLimitMs} once the first pass is done
     */
    public static SwitchoverHold applySource(QmpOps ops, long downtimeLimitMs, long maxBandwidthMbps, int multifdChannels,
            boolean pauseBeforeSwitchover) throws QmpOps.QmpFailure {
        ops.call("migrate-set-capabilities", sourceCapabilities(multifdChannels, pauseBeforeSwitchover));
        ops.call("migrate-set-parameters", sourceParameters(maxBandwidthMbps, multifdChannels));
        return new SwitchoverHold(downtimeLimitMs);
    }

    /** Source paused in {@code pre-switchover} (see {@code pauseBeforeSwitchover}): lets QEMU finish the migration. */
    public static void continueFromPreSwitchover(QmpOps ops) throws QmpOps.QmpFailure {
        ObjectNode go = JSON.createObjectNode();
        go.put("state", "pre-switchover");
        ops.call("migrate-continue", go);
    }

    /**
     * Sets the target QEMU (started with {@code -incoming defer}) up; call before {@code migrate-incoming}.
     * Events on, so that the commit learns the moment the load completed ({@link IncomingLoad}).
     */
    public static void applyTarget(QmpOps ops, int multifdChannels) throws QmpOps.QmpFailure {
        boolean multifd = checkChannels(multifdChannels) > 1;
        ObjectNode caps = JSON.createObjectNode();
        ArrayNode list = caps.putArray("capabilities");
        list.addObject().put("capability", "events").put("state", true);
        if (multifd) {
            list.addObject().put("capability", "multifd").put("state", true);
        }
        ops.call("migrate-set-capabilities", caps);
        if (multifd) {
            ObjectNode params = JSON.createObjectNode();
            params.put("multifd-channels", multifdChannels);
            ops.call("migrate-set-parameters", params);
        }
    }
}
