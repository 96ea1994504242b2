package io.vmflex.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.runner.MonitorPort;
import io.vmflex.agent.runner.PatchOutcome;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.validation.Manifests;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.client.AdminClient;
import io.vmflex.client.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the agent asks of the node daemon, through its admin API only (docs/admin-api.md): the VMs,
 * each VM's last guest metrics, a patch of a VM's {@code use}, and the guest monitor's
 * upscale notification and downscale approval. Blocking; every call is one HTTP request.
 *
 * <p>Thread-safe (the client opens a connection per request).
 */
public final class DaemonAdmin {

    /** What {@code GET /v1/vms/{name}/metrics} said: the monitor's last sample, if any. */
    public record MetricsSnapshot(boolean channelConnected, JsonNode metrics, JsonNode host) {
    }

    /** A 4xx/5xx answer other than the ones the agent handles itself. */
    public static final class DaemonRefused extends RuntimeException {
        private final int status;

        DaemonRefused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final AdminClient client;

    public DaemonAdmin(AdminClient client) {
        this.client = client;
    }

    /** Every VM the daemon has; a VM whose document does not read is left out (the daemon validated it). */
    public List<VirtualMachine> listVms() {
        JsonNode list = json(ok(client.request("GET", "/v1/vms", null, null)));
        List<VirtualMachine> vms = new ArrayList<>();
        for (JsonNode item : list.path("items")) {
            try {
                vms.add(Manifests.fromTree(item));
            } catch (InvalidSpecException e) {
                // Newer daemon, older agent: skip what it cannot read rather than stop scaling the rest.
            }
        }
        return vms;
    }

    /** The VM's last metrics; empty when the VM is not running (409) or gone (404). */
    public Optional<MetricsSnapshot> metrics(String vm) {
        Response r = client.request("GET", "/v1/vms/" + vm + "/metrics", null, null);
        if (r.status() == 404 || r.status() == 409) {
            return Optional.empty();
        }
        JsonNode body = json(ok(r));
        return Optional.of(new MetricsSnapshot("Connected".equals(body.path("channel").asText()),
                body.get("metrics"), body.get("host")));
    }

    /**
     * Sets the VM's {@code cpus.use} and {@code memorySlots.use} (a JSON patch, as Neon's agent sends
     * to the API server) and stamps {@code spec.targetRevision} so that the daemon reports when the
     * guest has it. A 409 because the VM is migrating is an answer, not a failure.
     */
    public PatchOutcome patchUse(String vm, Allocation use, long slotBytes, long revision) {
        if (use.memBytes() % slotBytes != 0) {
            throw new IllegalArgumentException("memory " + use.memBytes() + " is not a whole number of " + slotBytes + "-byte slots");
        }
        ArrayNode patch = ApiMapper.json().createArrayNode();
        patch.addObject().put("op", "replace").put("path", "/spec/guest/cpus/use").put("value", use.cpuMillis() + "m");
        patch.addObject().put("op", "replace").put("path", "/spec/guest/memorySlots/use")
                .put("value", use.memBytes() / slotBytes);
        ObjectNode target = patch.addObject().put("op", "add").put("path", "/spec/targetRevision").putObject("value");
        target.putObject("revision").put("value", revision).put("flags", 0);
        target.put("updatedAt", Instant.now().toString());
        Response r = client.request("PATCH", "/v1/vms/" + vm, "application/json-patch+json", bytes(patch));
        if (r.status() == 409 && r.bodyText().contains("migrat")) {
            return new PatchOutcome.RefusedMigrating(errorMessage(r));
        }
        ok(r);
        return PatchOutcome.APPLIED;
    }

    /** Tells the guest monitor it now has {@code granted}. */
    public void notifyUpscale(String vm, Allocation granted) {
        ok(client.request("POST", "/v1/vms/" + vm + "/monitor/upscale", "application/json", resources(granted, 0)));
    }

    /** Asks the guest monitor whether it may shrink to {@code target}. */
    public MonitorPort.DownscaleAnswer requestDownscale(String vm, Allocation target) {
        JsonNode body = json(ok(client.request("POST", "/v1/vms/" + vm + "/monitor/downscale", "application/json",
                resources(target, 5))));
        return new MonitorPort.DownscaleAnswer(body.path("ok").asBoolean(false), body.path("status").asText(""));
    }

    private static byte[] resources(Allocation a, int timeoutSeconds) {
        ObjectNode body = ApiMapper.json().createObjectNode().put("cpu", a.cpuMillis() + "m").put("memory", a.memBytes());
        if (timeoutSeconds > 0) {
            body.put("timeoutSeconds", timeoutSeconds);
        }
        return bytes(body);
    }

    private static Response ok(Response r) {
        if (r.status() / 100 != 2) {
            throw new DaemonRefused(r.status(), r.status() + ": " + errorMessage(r));
        }
        return r;
    }

    private static String errorMessage(Response r) {
        try {
            JsonNode error = ApiMapper.json().readTree(r.body()).path("error").path("message");
            if (error.isTextual()) {
                return error.asText();
            }
        } catch (IOException ignored) {
            // not JSON: show the text
        }
        String text = r.bodyText().strip();
        return text.length() > 200 ? text.substring(0, 200) : text;
    }

    private static JsonNode json(Response r) {
        try {
            return ApiMapper.json().readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("vmmd answered with malformed JSON", e);
        }
    }

    private static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
