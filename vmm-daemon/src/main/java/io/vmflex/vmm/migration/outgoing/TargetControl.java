package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.MigrationControl;
import io.vmflex.migration.RelayOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.UUID;

/**
 * The source's requests to the target daemon about one migration, over the authenticated control
 * channel ({@link MigrationControl}): {@code prepare}, {@code commit}, {@code query}, {@code abort}.
 * An answer without {@code "ok": true} is a {@link TargetRefused}; no answer is any other
 * {@link IOException}, after which the target may or may not have acted.
 *
 * <p>Thread-safe: each call opens its own connection (the commit's is held by {@link CommitLink}).
 */
final class TargetControl {
    private static final Logger LOG = LoggerFactory.getLogger(TargetControl.class);
    static final ObjectMapper JSON = ApiMapper.json();
    static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(90);
    static final Duration SHORT_CONTROL_TIMEOUT = Duration.ofSeconds(10);
    static final Duration ABORT_RETRY = Duration.ofSeconds(5);
    private static final Duration ABORT_GIVE_UP = Duration.ofMinutes(5);

    private final UUID id;
    private final InetSocketAddress target;
    private final ClusterSecret secret;
    private final RelayOptions options;

    TargetControl(UUID id, InetSocketAddress target, ClusterSecret secret, RelayOptions options) {
        this.id = id;
        this.target = target;
        this.secret = secret;
        this.options = options;
    }

    /** The target answered, and said no. */
    static final class TargetRefused extends IOException {
        TargetRefused(String message) {
            super(message);
        }
    }

    /** A request of this migration: {@code op} and {@code migrationId} filled in. */
    ObjectNode request(String op) {
        ObjectNode r = JSON.createObjectNode();
        r.put("op", op);
        r.put("migrationId", id.toString());
        return r;
    }

    JsonNode call(ObjectNode req, Duration timeout) throws IOException {
        return answer(req, MigrationControl.call(target, secret, JSON.writeValueAsString(req), timeout, options));
    }

    /** The commit, over the connection {@code link} holds ready. */
    JsonNode commit(CommitLink link) throws IOException {
        ObjectNode commit = request("commit");
        return answer(commit, link.call(JSON.writeValueAsString(commit), CONTROL_TIMEOUT));
    }

    /** "committed", "pending" or "absent", as the target daemon sees this migration of VM {@code vm}. */
    String query(String vm) throws IOException {
        ObjectNode q = request("query");
        q.put("vm", vm);
        return call(q, SHORT_CONTROL_TIMEOUT).path("state").asText("");
    }

    /** Tells the target to drop its copy; keeps trying in the background while it is unreachable. */
    void abort(String vm) {
        if (tryAbort(vm)) {
            return;
        }
        long giveUp = System.nanoTime() + ABORT_GIVE_UP.toNanos();
        Thread.ofVirtual().name("migration-abort-" + id.toString().substring(0, 8)).start(() -> {
            while (System.nanoTime() < giveUp) {
                try {
                    Thread.sleep(ABORT_RETRY.toMillis());
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

    private boolean tryAbort(String vm) {
        try {
            call(request("abort"), SHORT_CONTROL_TIMEOUT);
            return true;
        } catch (IOException e) {
            LOG.warn("vm={} target did not confirm the abort of {}: {}", vm, id, e.getMessage());
            return false;
        }
    }

    private static JsonNode answer(ObjectNode req, String response) throws IOException {
        JsonNode r = JSON.readTree(response);
        if (!r.path("ok").asBoolean(false)) {
            throw new TargetRefused("target refused " + req.path("op").asText() + ": " + r.path("error").asText("no reason"));
        }
        return r;
    }
}
